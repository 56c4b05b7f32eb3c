"""The request id: one per web request, in its logs and its `X-Request-ID` header.

An incoming `X-Request-ID` (from nginx or a load balancer) is kept when it looks
like an id (8 to 128 letters, digits, `.`, `_`, `:` or `-`), so that the proxy's
log and ours agree; anything else is replaced by a new random id. The id is
passed to every task the request publishes (clinic.broker.outbox), and on from
those tasks to theirs.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, request
from werkzeug.wrappers import Response

from clinic.observability import logs

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def _start() -> None:
    incoming = request.headers.get(HEADER, "")
    logs.bind(request_id=incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex)


def _answer(response: Response) -> Response:
    request_id = logs.current("request_id")
    if request_id:
        response.headers[HEADER] = request_id
    return response


def _end(_exc: BaseException | None) -> None:
    """Nothing the thread logs after the request (or a test's next step) carries its id."""
    logs.bind(request_id=None)


def init_app(app: Flask) -> None:
    """First of the request hooks and last of the teardowns, so that every other hook's
    logs carry the id, the outbox's publish after the commit (an `after_request`) included."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_answer)
    app.teardown_request_funcs.setdefault(None, []).insert(0, _end)  # run in reverse
