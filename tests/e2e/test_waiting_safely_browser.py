"""Waiting safely in the browser, at desktop width and at 320 px: the "worse while
waiting" filter and badge, expected waits on the dashboard, the referral page's scores
over time, and the wait a client is told on the confirmation page. Each page axe-clean
and no wider than the window."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.extensions import db
from clinic.models import ReferralEvent
from clinic.models.columns import utcnow
from tests import factories
from tests.clinic.staff import support
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHQ9_12 = dict(zip([f"phq9.{n}" for n in range(1, 10)], [2, 2, 2, 2, 2, 1, 1, 0, 0], strict=True))
GAD7_6 = dict(zip([f"gad7.{n}" for n in range(1, 8)], [1, 1, 1, 1, 1, 1, 0], strict=True))


def _fits_the_window(page: Page) -> None:
    """Reflow (WCAG 1.4.10): the page is no wider than the window (tables scroll inside)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window"


def _scheduled(queue: str, waited_days: int) -> None:
    """A referral of `queue` scheduled yesterday after `waited_days` days."""
    made = support.referral(queue, status="scheduled")
    scheduled_at = utcnow() - timedelta(days=1)
    made.created_at = scheduled_at - timedelta(days=waited_days)
    db.session.add(
        ReferralEvent(
            referral_id=made.id,
            kind="transition",
            from_status="contacted",
            to_status="scheduled",
            created_at=scheduled_at,
        )
    )
    db.session.commit()


def _seed(app: Flask) -> tuple[str, str]:
    """The readable ids of a referral worse while waiting and of one that is not."""
    with app.app_context():
        staff = support.staff(email="ines@example.org", name="Ines Intake")
        staff.mfa_secret = support.SECRET
        worse = factories.referral(
            answers={"safety.now": 1, **PHQ9_12, **GAD7_6},
            worse_since=utcnow() - timedelta(days=3),
        )
        steady = factories.referral(answers={"safety.now": 1, **PHQ9_12})
        db.session.commit()
        references = (str(worse.submission.reference), str(steady.submission.reference))
        for waited in range(1, 21):  # 20 scheduled: enough for staff and for clients
            _scheduled("emdr", waited)
        db.session.expunge_all()
        settings = app.extensions["clinic_settings"]
        app.extensions["clinic_settings"] = dataclasses.replace(
            settings, expected_wait_on_confirmation=True
        )
        return references


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/staff")
    page.get_by_label("Email").fill("ines@example.org")
    page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(pyotp.TOTP(support.SECRET).now())
    page.get_by_role("button", name="Continue").click()


def test_staff_find_who_got_worse_read_the_trend_and_the_waits(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app_with_broker_unreachable()
        worse, steady = _seed(app)
        with LiveServer(app) as server:
            _sign_in(page, server.url)

            waits = page.get_by_role("table", name="Expected wait from referral to scheduled")
            expect(waits.get_by_role("row").filter(has_text="EMDR")).to_contain_text(
                "10 days, 9 in 10 within 18 days (20 referrals)"
            )
            page.get_by_label("While waiting").select_option("worse")
            page.get_by_role("button", name="Filter").click()
            assert "waiting=worse" in page.url
            expect(page.get_by_label("While waiting")).to_have_value("worse")
            rows = page.get_by_role("table", name="Referrals").get_by_role("row")
            expect(rows.filter(has_text="Worse while waiting")).to_have_count(1)
            expect(page.get_by_text(steady)).to_have_count(0)
            assert_accessible(page)
            _fits_the_window(page)
            save_screenshot(page, "staff-worse-while-waiting")

            page.get_by_role("link", name=f"referral of {worse}").click()
            expect(page.get_by_text("Worse while waiting", exact=True)).to_be_visible()
            chart = page.get_by_role("img", name="PHQ-9 over time")
            expect(chart).to_be_visible()
            expect(page.get_by_role("figure").filter(has=chart)).to_contain_text(
                "PHQ-9: 12 (moderate) at the intake; not answered again yet."
            )
            table = page.get_by_role("table", name="PHQ-9 scores, oldest first")
            expect(table.get_by_role("row").nth(1)).to_contain_text("the intake")
            expect(page.get_by_role("img", name="GAD-7 over time")).to_be_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] <= page.viewport_size["width"]  # type: ignore[index]
            assert_accessible(page)
            _fits_the_window(page)
            save_screenshot(page, "staff-scores-over-time")

            page.goto(f"{server.url}/intake/sent")
            expect(
                page.get_by_text("Most people hear from us about a first appointment within")
            ).to_contain_text("within 3 weeks")
            assert_accessible(page)
            _fits_the_window(page)
        with app.app_context():
            db.engine.dispose()
