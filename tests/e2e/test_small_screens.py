"""In a real browser: plain titles, short screens and a step count that only grows on
every path; at 320 and 375 px a one-row header that never hides the focused element;
the staff pages' wide tables scroll inside a focusable region. axe on every page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from clinic.extensions import db
from clinic.models import Referral
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from forms.registry import DEFINITIONS
from tests import factories
from tests.clinic.intake.browser import BrowserIntake
from tests.clinic.intake.walker import calm
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

INSTRUMENT_NAMES = {d.name for d in DEFINITIONS.values() if d.is_instrument}
# A PTSD screen that asks the ITQ: branching adds its screens part-way through.
BRANCHING = {"pcptsd5.0": "1", **{f"pcptsd5.{i}": "1" for i in range(1, 6)}}
PATHS = [
    ("adult_self", "Me – I am 18 or older", 35),
    ("teen_self", "Me – I am 12 to 17 years old", 15),
    ("caregiver_child", "A child or teenager I care for", 9),
]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with LiveServer(app) as server:
            yield app, server.url


def branching(item: str, values: list[str]) -> str:
    return BRANCHING.get(item) or calm(item, values)


def progress(page: Page) -> tuple[int, int]:
    bar = page.locator("progress")
    return int(bar.get_attribute("value") or 0), int(bar.get_attribute("max") or 0)


@pytest.mark.parametrize(("path", "label", "age"), PATHS)
def test_plain_titles_short_screens_and_a_step_count_that_only_grows(
    page: Page, live: tuple[Flask, str], path: str, label: str, age: int
) -> None:
    _app, url = live
    intake = BrowserIntake(page, url, f"screens-{path}")
    intake.start(label, age)
    steps: list[tuple[int, int]] = []
    note_title = None
    contact = {"phone_allowed": "y", "email_allowed": "y"}
    contact |= {"phone": "555 010 2000", "email": "me@example.org"}
    for _ in range(80):
        if page.url.endswith("/intake/review"):
            break
        title = intake.heading()
        assert title not in INSTRUMENT_NAMES and "(" not in title, title
        steps.append(progress(page))
        screen = intake.screen() or ""
        if intake.note_section():
            note_title = title
            intake.note()
            assert intake.heading() == note_title  # the note and its step: one title
        elif screen == "contact":  # only the ways; each way's details come after
            expect(page.locator("input[type=tel], input[type=email]")).to_have_count(0)
            intake.contact_screen(screen, contact)
        elif screen.startswith("contact"):
            intake.contact_screen(screen, contact)
        elif screen == "about":
            intake.about()
        else:
            assert 1 <= page.locator("fieldset.question").count() <= 5, screen
            intake.answer(choose=branching)
    assert page.url.endswith("/intake/review")
    numbers = [number for number, _total in steps]
    assert numbers == sorted(numbers), steps  # never backwards, though branching added steps
    assert len({total for _number, total in steps}) == 1, steps
    if path == "adult_self":
        assert any("itq" in key for key in intake.checked_pages)  # the branch was taken


def _open_question_screen(intake: BrowserIntake, label: str, age: int) -> None:
    intake.start(label, age)
    intake.walk(stop=lambda: intake.screen() == "phq9")
    assert intake.screen() == "phq9"


@pytest.mark.parametrize("width", [320, 375])
def test_at_small_widths_the_header_is_one_row_and_never_hides_the_focus(
    browser: Browser, live: tuple[Flask, str], width: int
) -> None:
    _app, url = live
    context = browser.new_context(viewport={"width": width, "height": 640}, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        intake = BrowserIntake(page, url, f"focus-{width}")
        _open_question_screen(intake, "Me – I am 18 or older", 35)
        rows = page.evaluate(
            """[...document.querySelectorAll('.site-header .header-actions > *')]
                 .map(e => Math.round(e.getBoundingClientRect().top))"""
        )
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= 72, header  # one row
        assert max(rows) - min(rows) <= 12, rows
        for press in range(70):
            page.keyboard.press("Tab")
            place = page.evaluate(
                """(() => {
                  const e = document.activeElement;
                  const header = document.querySelector('.site-header');
                  if (!e || e === document.body || header.contains(e)) return null;
                  if (e.classList.contains('skip-link')) return null;  // shown on top, by design
                  const r = e.getBoundingClientRect();
                  return {top: r.top, bottom: r.bottom, tag: e.tagName, name: e.name || '',
                          under: header.getBoundingClientRect().bottom};
                })()"""
            )
            if place is None:
                continue
            assert place["top"] >= place["under"] - 0.5, (press, place)
            assert place["bottom"] <= 640.5, (press, place)
        save_screenshot(page, f"intake-focus-{width}")
        # Back is a quiet button below Continue and Save, not a full-width one between them.
        buttons = [page.locator(f'button[value="{v}"]') for v in ("continue", "save", "back")]
        boxes = [b.bounding_box() for b in buttons]
        assert all(box is not None for box in boxes)
        continue_box, save_box, back_box = boxes
        assert continue_box and save_box and back_box
        assert continue_box["y"] < save_box["y"] < back_box["y"]
        assert back_box["width"] < width / 2
    finally:
        context.close()


def test_the_short_age_field_stays_short(page: Page, live: tuple[Flask, str]) -> None:
    _app, url = live
    page.goto(f"{url}/intake")
    age = page.get_by_label("How old are you").bounding_box()
    assert age is not None and age["width"] <= 7 * 17.5  # .input-short: 7rem, not 30rem


def _routed(answers: dict[str, int | None]) -> Referral:
    submission = factories.submitted_intake(answers=answers, contact={"email": "c@example.org"})
    db.session.commit()
    with unit_of_work():  # as the routing task runs it
        record_routing(str(submission.id))
    referral = db.session.query(Referral).filter_by(submission_id=submission.id).first()
    assert referral is not None
    return referral


def _fits_the_window(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url}: {overflow}px wider than the window"


def test_staff_tables_scroll_in_a_focusable_region_and_pages_fit_the_window(
    page: Page, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            email = "a.rather.long.address.for.a.coordinator@clinic.example.org"
            coordinator = factories.staff_user(
                display_name="Cora Coordinator", email=email, is_admin=True
            )
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            referral = _routed({"safety.now": 1, "phq9.1": 2, "rship.1": 1, "rship.4": 1})
            answers = f"/staff/referrals/{referral.id}/answers"
            db.session.commit()

        with LiveServer(app) as server:
            page.goto(f"{server.url}/staff")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("My queues")
            for path in ("/staff", answers, "/staff/admin/users", "/staff/admin/audit"):
                page.goto(f"{server.url}{path}")
                tables = page.locator("table")
                for index in range(tables.count()):
                    region = tables.nth(index).locator("xpath=..")
                    assert region.get_attribute("role") == "region"
                    assert region.get_attribute("tabindex") == "0"
                    assert region.get_attribute("aria-label")
                assert_accessible(page)
                _fits_the_window(page)
            page.goto(f"{server.url}/staff/account")
            assert_accessible(page)
            _fits_the_window(page)
            save_screenshot(page, "staff-account")
