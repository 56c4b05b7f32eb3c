"""In a real browser: after quick exit (button or Esc twice with JavaScript, the plain
link without), neither Back nor the site opened again shows an answer or a contact
detail, and the draft opens again only with its resume code."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.clinic.intake.browser import BrowserIntake
from tests.support.browser import NeutralSite

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

EMAIL = "robin.private@example.org"
NAME = "Robin Quill"
START_HEADING = "Tell us about the support you are looking for"


def _context(browser: Browser, *, javascript: bool) -> BrowserContext:
    """Under the real Content-Security-Policy when the script runs (no CSP bypass)."""
    context = browser.new_context(
        viewport={"width": 320, "height": 640},
        java_script_enabled=javascript,
        bypass_csp=not javascript,
        ignore_https_errors=True,  # the neutral site's certificate is made for the run
    )
    context.set_default_timeout(15_000)
    return context


def _fill_in_some_of_the_form(intake: BrowserIntake) -> None:
    """Contact details, sex, and answers up to the second question step."""
    intake.start("Me – I am 18 or older", 41)
    intake.contact(email_allowed="y", email=EMAIL, name=NAME)
    intake.about()
    intake.walk(stop=lambda: intake.screen() == "rel")
    intake.answer({"rel.1": 1, "rel.3": 1})
    expect(intake.page).to_have_url(re.compile(r"/intake/step/\d+$"))


def _assert_nothing_readable(page: Page, url: str) -> None:
    """The page shows none of the client's answers or contact details, in text or fields."""
    text = page.locator("body").inner_text()
    assert EMAIL not in text and NAME not in text
    assert "You have a form in progress" not in text
    assert page.locator('input[name="screen"]').count() == 0  # no question step
    assert page.locator("input:checked").count() == 0
    values = _field_values(page)
    assert all(value == "" for value in values), values
    assert page.url.split("?")[0] == f"{url}/intake", page.url


def _field_values(page: Page) -> list[str]:
    fields = page.locator('input:not([type="hidden"]):not([type="radio"]):not([type="checkbox"])')
    return [fields.nth(i).input_value() for i in range(fields.count())]


def _assert_back_shows_nothing(page: Page, url: str) -> int:
    """Back, again and again, from the neutral site to the start of the tab's history;
    how many pages of the form Back reached."""
    reached = 0
    for _ in range(20):
        if page.go_back() is None:
            break
        if not page.url.startswith(url):
            continue
        reached += 1
        expect(page.get_by_role("heading", level=1)).to_have_text(START_HEADING)
        _assert_nothing_readable(page, url)
    return reached


def _assert_a_new_tab_shows_nothing(context: BrowserContext, url: str) -> None:
    tab = context.new_page()
    tab.goto(f"{url}/intake")
    expect(tab.get_by_role("heading", level=1)).to_have_text(START_HEADING)
    _assert_nothing_readable(tab, url)
    tab.goto(f"{url}/intake/step/1")  # the contact screen, which held the email address
    expect(tab).to_have_url(f"{url}/intake")
    _assert_nothing_readable(tab, url)
    tab.close()


@pytest.mark.parametrize("how", ["button", "escape"])
def test_after_quick_exit_with_javascript_nothing_is_readable(
    browser: Browser, live: tuple[Flask, str], neutral_site: NeutralSite, how: str
) -> None:
    _app, url = live
    context = _context(browser, javascript=True)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    try:
        intake = BrowserIntake(page, url, f"exit-{how}")
        _fill_in_some_of_the_form(intake)
        page.evaluate("localStorage.setItem('probe', '1'); sessionStorage.setItem('probe', '1')")
        if how == "button":
            page.get_by_role("link", name="Leave this site quickly").click()
        else:
            page.keyboard.press("Escape")
            page.keyboard.press("Escape")
        expect(page).to_have_url(neutral_site.url)
        assert [c for c in context.cookies() if c["domain"] == "127.0.0.1"] == []

        assert _assert_back_shows_nothing(page, url) >= 5  # every screen before, and the start
        _assert_a_new_tab_shows_nothing(context, url)
        tab = context.new_page()
        tab.goto(f"{url}/intake")
        assert tab.evaluate("localStorage.getItem('probe')") is None  # Clear-Site-Data
        tab.close()
        assert violations == []
    finally:
        context.close()


def test_after_quick_exit_without_javascript_nothing_is_readable(
    browser: Browser, live: tuple[Flask, str], neutral_site: NeutralSite
) -> None:
    _app, url = live
    context = _context(browser, javascript=False)
    page = context.new_page()
    try:
        intake = BrowserIntake(page, url, "exit-no-javascript", audit=False)
        _fill_in_some_of_the_form(intake)
        page.get_by_role("link", name="Leave this site quickly").click()
        expect(page).to_have_url(neutral_site.url)
        assert [c for c in context.cookies() if c["domain"] == "127.0.0.1"] == []
        assert _assert_back_shows_nothing(page, url) >= 6  # the page left, too (a link)
        _assert_a_new_tab_shows_nothing(context, url)
    finally:
        context.close()


def test_quick_exit_in_one_tab_sends_the_other_tabs_of_the_form_away(
    browser: Browser, live: tuple[Flask, str], neutral_site: NeutralSite
) -> None:
    _app, url = live
    context = _context(browser, javascript=True)
    page = context.new_page()
    try:
        intake = BrowserIntake(page, url, "exit-tabs")
        _fill_in_some_of_the_form(intake)
        other = context.new_page()
        other.goto(f"{url}/intake/step/2")  # the email screen, after the ways chosen
        expect(other.locator('input[name="email"]')).to_have_value(EMAIL)
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        expect(page).to_have_url(neutral_site.url)
        expect(other).to_have_url(neutral_site.url)
    finally:
        context.close()
