"""In a real browser: a coordinator signs in with MFA and triages an urgent referral."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import Referral
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from referrals import QUEUES
from tests import factories
from tests.clinic.staff import support
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_coordinator_signs_in_with_mfa_and_accepts_an_urgent_referral(
    page: Page, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            coordinator = factories.staff_user(display_name="Cora Coordinator")
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            create_token(coordinator, "phone intake")
            factories.staff_user(
                email="cal@example.org",
                display_name="Cal Clinician",
                role="clinician",
                queues=["dbt"],
            )
            submission = factories.submitted_intake(
                answers={
                    "safety.now": 0,
                    "asq.1": 1,
                    "asq.2": 0,
                    "asq.3": 0,
                    "asq.4": 0,
                    "asq.5": 1,
                },
                contact={"email": "client@example.org"},
            )
            db.session.commit()
            with unit_of_work():  # as the routing task runs it
                record_routing(str(submission.id))
            referral = db.session.query(Referral).filter_by(submission_id=submission.id).first()
            assert referral is not None and referral.priority == "urgent"
            assert referral.queue == "dbt"  # suicide risk in an adult: DBT first
            reference = referral.submission.reference

        with LiveServer(app) as server:
            page.goto(f"{server.url}/staff")
            page.get_by_label("Email").fill("coordinator@example.org")
            page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
            page.get_by_role("button", name="Continue").click()

            expect(page.get_by_role("heading", level=1)).to_have_text("My queues")
            row = _row(page, "DBT", reference)
            expect(row).to_contain_text("Urgent")
            assert_accessible(page)
            save_screenshot(page, "staff-dashboard")

            row.get_by_role("link").click()
            expect(page.get_by_role("heading", name="Risk: read before contacting")).to_be_visible()
            assert_accessible(page)
            save_screenshot(page, "staff-referral")

            page.get_by_role("button", name="Start review").click()
            expect(page.get_by_text("Review started.")).to_be_visible()
            page.get_by_label("Assign to").select_option(label="Cal Clinician")
            page.get_by_role("button", name="Accept and assign").click()
            expect(page.get_by_text("Referral accepted and assigned.")).to_be_visible()
            expect(page.locator(".facts")).to_contain_text("Accepted")
            expect(page.locator(".facts")).to_contain_text("Cal Clinician")
            assert_accessible(page)

            page.goto(f"{server.url}/staff/account/recovery-codes")
            expect(page.get_by_role("heading", level=1)).to_have_text("Get new recovery codes")
            assert_accessible(page)

            page.goto(f"{server.url}/staff/tokens")
            row = page.get_by_role("row").filter(has_text="phone intake")
            expect(row).to_contain_text("intakes:write")
            assert_accessible(page)
            _fits_the_window(page)
            row.get_by_role("button", name="Revoke token phone intake").click()
            expect(page.get_by_text("revoked: it stops working at once")).to_be_visible()
            expect(row).to_contain_text("revoked")
            assert_accessible(page)


def _row(page: Page, queue_name: str, reference: str | None) -> Locator:
    """The dashboard row of one referral: its link is named by queue and intake id."""
    name = f"{queue_name} referral of {reference}"
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def _routed(answers: dict[str, int | None]) -> Referral:
    submission = factories.submitted_intake(answers=answers, contact={"email": "c@example.org"})
    db.session.commit()
    with unit_of_work():  # as the routing task runs it
        record_routing(str(submission.id))
    referral = db.session.query(Referral).filter_by(submission_id=submission.id).first()
    assert referral is not None
    return referral


def _fits_the_window(page: Page) -> None:
    """Reflow (WCAG 1.4.10): the page is no wider than the window (tables scroll inside)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window"


def test_the_dashboard_shows_flag_badges_and_filters_by_flag(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            coordinator = factories.staff_user(display_name="Cora Coordinator")
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            partner = _routed({"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 1})
            plain = _routed({"safety.now": 1})
            several = support.flagged_referral(
                "emdr", ["safeguarding", "severe_symptoms", "cptsd", "safety_unknown"]
            )
            shorts = {
                "partner": (QUEUES[partner.queue].name, partner.submission.reference),
                "plain": (QUEUES[plain.queue].name, plain.submission.reference),
                "several": (QUEUES[several.queue].name, several.submission.reference),
            }

        with LiveServer(app) as server:
            page.goto(f"{server.url}/staff")
            page.get_by_label("Email").fill("coordinator@example.org")
            page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
            page.get_by_role("button", name="Continue").click()

            expect(page.get_by_role("heading", level=1)).to_have_text("My queues")
            expect(_row(page, *shorts["partner"])).to_contain_text("Partner safety")
            expect(_row(page, *shorts["several"]).get_by_role("listitem")).to_have_text(
                ["Safety not confirmed", "Safeguarding check", "Severe symptoms", "Complex PTSD"]
            )
            expect(_row(page, *shorts["plain"]).get_by_role("listitem")).to_have_count(0)
            assert_accessible(page)
            _fits_the_window(page)
            save_screenshot(page, "staff-dashboard-flags")

            page.get_by_label("Flag").select_option(label="Safeguarding check")
            page.get_by_role("button", name="Filter").click()
            expect(page).to_have_url(re.compile(r"/staff\?.*flag=safeguarding"))
            expect(_row(page, *shorts["several"])).to_have_count(1)
            expect(_row(page, *shorts["partner"])).to_have_count(0)
            expect(page.get_by_label("Flag")).to_have_value("safeguarding")
            assert_accessible(page)
            _fits_the_window(page)

            _row(page, *shorts["several"]).get_by_role("link").click()
            flags = page.get_by_role("region", name="Flags")
            expect(flags).to_contain_text(
                "Safeguarding check: the intake is about a child or teenager"
            )
            expect(page.get_by_text("Decided under rules clinical-default-1.")).to_be_visible()
            assert_accessible(page)
            _fits_the_window(page)
            save_screenshot(page, "staff-referral-flags")


def test_an_admin_creates_an_account_and_the_newcomer_chooses_a_password(
    browser: Browser, page: Page, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            admin = factories.staff_user(
                email="ada@example.org", display_name="Ada Admin", role="admin"
            )
            admin.mfa_secret = SECRET
            admin.mfa_confirmed_at = utcnow()
            db.session.commit()

        with LiveServer(app) as server:
            page.goto(f"{server.url}/staff")
            page.get_by_label("Email").fill("ada@example.org")
            page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
            page.get_by_role("button", name="Continue").click()
            expect(page).to_have_url(f"{server.url}/staff/admin/users")  # not a 403 at /staff

            page.goto(f"{server.url}/staff/admin/users/new")
            assert_accessible(page)
            page.get_by_label("Name").fill("Nia New")
            page.get_by_label("Email").fill("nia@example.org")
            page.get_by_label("Role").select_option("clinician")
            page.get_by_role("button", name="Create account").click()
            expect(page.get_by_text("The account for Nia New is created.")).to_be_visible()
            assert_accessible(page)
            save_screenshot(page, "staff-new-account")
            password = page.locator("p.secret code").inner_text()

            newcomer = browser.new_page()  # a second person, a fresh session
            newcomer.goto(f"{server.url}/staff")
            newcomer.get_by_label("Email").fill("nia@example.org")
            newcomer.get_by_label("Password").fill(password)
            newcomer.get_by_role("button", name="Sign in").click()
            secret = newcomer.locator("code.secret").inner_text().replace(" ", "")
            newcomer.get_by_role("textbox", name="code").fill(pyotp.TOTP(secret).now())
            newcomer.get_by_role("button", name="Continue").click()
            newcomer.get_by_role("link", name="I have saved them – continue").click()
            expect(newcomer).to_have_url(f"{server.url}/staff/account/password")
            assert_accessible(newcomer)
            newcomer.get_by_label("Temporary password").fill(password)
            newcomer.get_by_label("New password", exact=True).fill("violet kettle harbour 42")
            newcomer.get_by_label("New password again").fill("violet kettle harbour 42")
            newcomer.get_by_role("button", name="Change password").click()
            expect(newcomer.get_by_text("Your new password is set. Thank you.")).to_be_visible()
            newcomer.close()
