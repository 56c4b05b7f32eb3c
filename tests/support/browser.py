"""Real headless Chromium (Debian's package) driven by Playwright, and a live web server.

`LiveServer` serves a Flask app from a thread on a free local port; `NeutralSite`
stands in for the clinic's quick-exit site. `launch_chromium`
starts the system Chromium; `assert_accessible` runs axe-core in the page and fails
on any WCAG 2.x A/AA violation; `save_screenshot` keeps pictures as test artifacts
(not under TEST_SCREENSHOTS=0).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Only the violations worked out in full and sent back: axe's passing and inapplicable
# rules with their nodes are most of the time of a check, spent copying them out of the page.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


class NeutralSite:
    """The quick-exit site, served on this machine over HTTPS with a certificate made for
    the run (browser contexts that visit it set `ignore_https_errors`).

    The tests have no internet, and Playwright cannot route a request the browser
    makes by following a redirect, as quick exit's does (`/intake/exit`).
    """

    TITLE = "Weather"

    def __init__(self) -> None:
        self._server = make_server("127.0.0.1", 0, self._page, threaded=True, ssl_context="adhoc")
        self.url = f"https://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @classmethod
    def _page(
        cls, environ: dict[str, object], start_response: Callable[..., object]
    ) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [f"<!doctype html><title>{cls.TITLE}</title><h1>Sunny</h1>".encode()]

    def __enter__(self) -> NeutralSite:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def chromium_path() -> str:
    """The system Chromium, or skip (fail under REQUIRE_SERVICES=1) when it is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is not installed (Debian package `chromium`)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


def assert_accessible(page: object) -> None:
    from axe_playwright_python.base import AXE_SCRIPT, AxeResults

    page.evaluate(AXE_SCRIPT)  # type: ignore[attr-defined]
    violations = page.evaluate(  # type: ignore[attr-defined]
        f"axe.run({json.dumps(AXE_OPTIONS)}).then(results => results.violations)"
    )
    results = AxeResults({"violations": violations})
    assert results.violations_count == 0, results.generate_report()


def screenshots_wanted() -> bool:
    """False under TEST_SCREENSHOTS=0 (`.ci/run`: a fresh clone's artifacts are not kept).
    A full-page screenshot is a sixth of the time of a browser test that walks the intake,
    and checks nothing."""
    return os.environ.get("TEST_SCREENSHOTS", "1") != "0"


def save_screenshot(page: object, name: str) -> Path | None:
    """A picture of the whole page in test-artifacts/screenshots/, unless none is wanted."""
    if not screenshots_wanted():
        return None
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]  # type: ignore[attr-defined]
    path = folder / f"{name}-{width}px.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
