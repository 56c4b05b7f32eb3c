"""A test client whose every request runs in an app context of its own.

Flask pushes a new app context for a request only when none is current; a test
that holds one (the `app_context` fixture) would otherwise lend it, and its `g`,
to every request it makes. Here each request runs in an empty `contextvars`
context, as a request in a server does: its `g`, its database session and its
Flask-Login user are its own. The body is always read (a streamed one too) before
that context is left, so no part of the request runs in the test's context.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers


class IsolatedRequestClient(FlaskClient):
    def run_wsgi_app(
        self, environ: dict[str, object], buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        return contextvars.Context().run(super().run_wsgi_app, environ, True)
