"""In a real browser: a new user completes each path; axe on every distinct page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission
from tests.clinic.intake.browser import BrowserIntake
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with LiveServer(app) as server:
            yield app, server.url


def _submitted(app: Flask) -> tuple[str, str, int]:
    with app.app_context():
        submission = db.session.scalars(select(IntakeSubmission)).one()
        return submission.status, submission.path, submission.answers["subject_age"]


@pytest.mark.parametrize(
    ("path", "label", "age", "screens"),
    [
        ("adult_self", "Me – I am 18 or older", 35, 28),
        ("teen_self", "Me – I am 12 to 17 years old", 15, 20),
        ("caregiver_child", "A child or teenager I care for", 5, 20),
    ],
)
def test_a_new_user_completes_each_path(
    page: Page, live: tuple[Flask, str], path: str, label: str, age: int, screens: int
) -> None:
    app, url = live
    intake = BrowserIntake(page, url, path)
    intake.start(label, age)
    expect(page.get_by_text(f"Step 1 of up to {screens}", exact=True)).to_be_visible()
    intake.walk()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    intake.send()
    expect(page.get_by_text("What happens next")).to_be_visible()
    expect(page.get_by_role("link", name="Call or text 988")).to_be_visible()
    assert _submitted(app) == ("submitted", path, age)


def test_pages_outside_the_form_are_accessible(page: Page, live: tuple[Flask, str]) -> None:
    _app, url = live
    intake = BrowserIntake(page, url, "pages")
    for address, key in (
        ("/intake/privacy", "privacy"),
        ("/intake/safety-tips", "safety-tips"),
        ("/intake/resume", "resume"),
    ):
        page.goto(url + address)
        intake.check_page(key)
    page.get_by_label("Your resume code").fill("not a code")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_focused()
    intake.check_page("resume-error")
    page.goto(url + "/intake")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator(".error-summary")).to_be_focused()
    intake.check_page("start-errors")
    page.get_by_role("link", name="Please choose who the form is about.").click()
    expect(page.get_by_label("Me – I am 18 or older")).to_be_focused()


def test_errors_are_summarised_and_linked_to_each_question(
    page: Page, live: tuple[Flask, str]
) -> None:
    _app, url = live
    intake = BrowserIntake(page, url, "errors")
    intake.start("Me – I am 18 or older", 35)
    intake.contact()
    intake.about()
    page.get_by_role("button", name="Continue", exact=True).click()  # nothing chosen
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Step 6 of up to 28 – Community Therapy Clinic")
    intake.check_page("step-errors")
    summary.get_by_role("link").first.click()
    expect(page.locator('input[name="safety.now"]').first).to_be_focused()


def test_a_question_page_reflows_at_400_percent_zoom(
    browser: Browser, live: tuple[Flask, str]
) -> None:
    """1280 x 1024 at 400% zoom is a 320 x 256 CSS-pixel window."""
    _app, url = live
    context = browser.new_context(viewport={"width": 320, "height": 256}, bypass_csp=True)
    page = context.new_page()
    try:
        intake = BrowserIntake(page, url, "zoom400")
        intake.start("Me – I am 18 or older", 35)
        intake.contact()
        intake.about()
        page.get_by_role("button", name="Continue", exact=True).click()  # errors shown too
        intake.check_page("step-errors")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getBoundingClientRect().top")
        assert focused >= 0  # the focused element is in view, not under a fixed header
    finally:
        context.close()
