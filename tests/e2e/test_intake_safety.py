"""In a real browser: the safety pathway, quick exit (button, keyboard, no script),
review and change, and keyboard-only completion of a path."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import IntakeSubmission, OutboxMessage
from tests.clinic.intake.browser import BrowserIntake
from tests.support.browser import NeutralSite, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _state(app: Flask) -> tuple[str, bool, dict[str, int | None], list[str]]:
    with app.app_context():
        submission = db.session.scalars(select(IntakeSubmission)).one()
        kinds = list(db.session.scalars(select(OutboxMessage.kind)))
        return (
            submission.status,
            submission.submitted_partial,
            submission.answers["answers"],
            kinds,
        )


def test_a_suicide_risk_answer_shows_crisis_resources_next_and_leaving_submits(
    page: Page, live: tuple[Flask, str]
) -> None:
    app, url = live
    intake = BrowserIntake(page, url, "safety")
    intake.start("Me – I am 18 or older", 29)
    intake.walk(stop=lambda: intake.note_section() == "asq")
    intake.note()
    intake.answer({"asq.1": 1})

    expect(page).to_have_url(f"{url}/intake/support")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support is available, any time")
    expect(page.get_by_role("link", name="Call or text 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("link", name="In an emergency, call 911")).to_be_visible()
    expect(page.get_by_text("we will still send what you have answered so far")).to_be_visible()
    intake.check_page("support")

    page.get_by_role("button", name="Leave now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you. We have what you answered so far."
    )
    intake.check_page("sent-partial")
    status, partial, answers, kinds = _state(app)
    assert (status, partial, answers["asq.1"]) == ("submitted", True, 1)
    assert kinds == [TaskNames.ROUTE_SUBMISSION]


def test_continuing_after_the_support_page_then_review_and_change(
    page: Page, live: tuple[Flask, str]
) -> None:
    app, url = live
    intake = BrowserIntake(page, url, "review")
    intake.start("Me – I am 12 to 17 years old", 14)
    intake.walk(stop=lambda: intake.screen() == "safety")
    intake.answer({"safety.now": 0})
    expect(page).to_have_url(f"{url}/intake/support")
    intake.continue_the_form()
    intake.walk()

    page.get_by_role("link", name="Change – Safety right now").click()
    expect(page.locator('input[name="safety.now"][value="0"]')).to_be_checked()
    intake.answer({"safety.now": 1})
    expect(page).to_have_url(f"{url}/intake/review")
    expect(page.locator("#review-safety + a, .review-section").first).to_be_visible()
    intake.send()
    status, partial, answers, _ = _state(app)
    assert (status, partial, answers["safety.now"]) == ("submitted", False, 1)


def test_quick_exit_by_button_and_by_escape_twice_replaces_the_page(
    browser: Browser, live: tuple[Flask, str], neutral_site: NeutralSite
) -> None:
    """Under the real Content-Security-Policy (no CSP bypass): the script must run."""
    _app, url = live
    context = browser.new_context(viewport={"width": 320, "height": 640}, ignore_https_errors=True)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    try:
        intake = BrowserIntake(page, url, "exit")
        intake.start("A child or teenager I care for", 6)
        expect(page.get_by_text("You can also press the Esc key twice.")).to_be_visible()
        length = page.evaluate("history.length")
        page.get_by_role("link", name="Leave this site quickly").click()
        expect(page).to_have_url(neutral_site.url)
        assert page.evaluate("history.length") == length  # replaced, not added

        intake.start("A child or teenager I care for", 6)  # that form closed: a new one
        # The hint shows once the page's script has run, and with it the Esc handler.
        expect(page.get_by_text("You can also press the Esc key twice.")).to_be_visible()
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        expect(page).to_have_url(neutral_site.url)
        assert violations == []
    finally:
        context.close()


def test_quick_exit_works_without_javascript(
    browser: Browser, live: tuple[Flask, str], neutral_site: NeutralSite
) -> None:
    _app, url = live
    context = browser.new_context(
        java_script_enabled=False, bypass_csp=True, ignore_https_errors=True
    )
    page = context.new_page()
    try:
        page.goto(f"{url}/intake")
        expect(page.get_by_text("You can also press the Esc key twice.")).to_be_hidden()
        save_screenshot(page, "intake-no-javascript-start")
        page.get_by_role("link", name="Leave this site quickly").click()
        expect(page).to_have_url(neutral_site.url)
    finally:
        context.close()


def test_a_path_can_be_completed_with_the_keyboard_alone(
    page: Page, live: tuple[Flask, str]
) -> None:
    app, url = live
    intake = BrowserIntake(page, url, "keyboard", keyboard=True)
    intake.start("A child or teenager I care for", 2)
    intake.walk()
    intake.send()
    status, partial, answers, _ = _state(app)
    assert (status, partial) == ("submitted", False)
    assert answers["child.1"] == 0 and answers["safety.now"] == 1
    assert "child.3" not in answers  # asked from age 3
