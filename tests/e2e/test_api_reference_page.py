"""The JSON API's reference page in Chromium: accessible (axe-core, WCAG 2.2 AA), usable
at 320 px, and complete without JavaScript or anything from another site."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_reference_page_is_accessible_and_needs_nothing_else(
    page: Page, live: tuple[Flask, str]
) -> None:
    _app, url = live
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(url) else None)
    page.goto(f"{url}/api/v1/docs")

    assert page.locator("h1").inner_text() == "JSON API reference"
    assert page.get_by_role("heading", name="POST /api/v1/intakes").is_visible()
    assert page.locator("script").count() == 0
    assert elsewhere == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]
    assert_accessible(page)
