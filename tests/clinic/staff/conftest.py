"""The `app` fixture keeps one app context open for the whole test, and Flask then
reuses it (and its `g`) for every test-client request. A browser's requests never
share `g`, so each request here starts with an empty one (Flask-Login's cached
user, the CSRF token, the rate limiter's notes)."""

from __future__ import annotations

import pytest
from flask import Flask, g


@pytest.fixture(autouse=True)
def fresh_g_per_request(request: pytest.FixtureRequest) -> None:
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        for name in list(vars(g)):
            delattr(g, name)
