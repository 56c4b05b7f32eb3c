"""In a real browser: the morning's triage list (case rows, plain words, partial
markers), the flow from one referral to the next, keyboard shortcuts, and the
contact-attempt form; axe-clean at desktop width and at 320 px."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from clinic.extensions import db
from clinic.intake.services import submit_draft
from clinic.models import IntakeSubmission, Referral, StaffAlert
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications import queue_staff_alerts
from clinic.routing.record import record_routing
from tests import factories
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TWO_QUEUES = {
    "reg.2": 1,
    "safety.now": 1,
    "pcptsd5.0": 1,
    **{f"pcptsd5.{n}": 1 for n in range(1, 6)},
}
"""Self-harm in the past month (DBT) and a positive trauma screen (EMDR): two referrals."""
CONTACT = {
    "name": "Sam",
    "phone": "555 010 0000",
    "channels": {"phone": {"allowed": True, "leave_message": False, "mention_clinic": False}},
}


def _routed(submission: IntakeSubmission) -> IntakeSubmission:
    db.session.commit()
    with unit_of_work():  # as the routing task runs it
        record_routing(str(submission.id))
    db.session.refresh(submission)
    return submission


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/staff")
    page.get_by_label("Email").fill("coordinator@example.org")
    page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My queues")


def test_rows_cases_next_referral_and_the_contact_attempt_form(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            coordinator = factories.staff_user(display_name="Cora Coordinator")
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            factories.staff_user(
                email="cal@example.org",
                display_name="Cal Clinician",
                role="clinician",
                queues=["dbt", "emdr"],
            )
            both = _routed(factories.submitted_intake(answers=TWO_QUEUES, contact=CONTACT))
            queues = [r.queue for r in both.referrals]
            assert queues == ["dbt", "emdr"], queues
            left = _routed(
                submit_draft(
                    factories.draft(answers={"safety.now": 1, "reg.2": 1}),
                    partial=True,
                    via="safety_page",
                )
            )
            case, partial, both_id = both.reference, left.reference, both.id
            db.session.commit()

        with LiveServer(app) as server:
            sign_in(page, server.url)
            group = page.locator("tbody.case").filter(has_text=str(case))
            expect(group.get_by_role("link")).to_have_text(
                [f"DBT referral of {case}", f"EMDR referral of {case}"]
            )
            expect(group).to_contain_text("Self, age 26-64")
            expect(group).to_contain_text("Self-harm in the past month (yes)")
            expect(group).to_contain_text("2 referrals")
            expect(group).not_to_contain_text("reg.2")
            other = page.locator("tbody.case").filter(has_text=str(partial))
            expect(other).to_contain_text("Partial intake")
            expect(other).to_contain_text("Left at the crisis page")
            assert_accessible(page)
            save_screenshot(page, "staff-triage-cases")

            group.get_by_role("link", name=f"DBT referral of {case}").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"DBT referral of {case}")
            expect(page.get_by_text("Keyboard: A accept")).to_be_visible()  # the script is on
            contact = page.get_by_role("region", name="Contact – only as the client allows")
            expect(contact.get_by_role("listitem").first).to_contain_text("Phone call: allowed")
            expect(contact).not_to_contain_text("Call them")
            assert_accessible(page)

            page.keyboard.press("a")  # the shortcut: focus the accept form
            expect(page.get_by_label("Assign to")).to_be_focused()
            page.get_by_label("Assign to").select_option(label="Cal Clinician")
            page.get_by_role("button", name="Accept and assign").click()
            expect(page.get_by_text("Referral accepted and assigned.")).to_be_visible()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"DBT referral of {case}")
            expect(page.locator(".facts")).to_contain_text("Accepted")

            form = page.get_by_role("form", name="Log contact attempt")
            how = form.get_by_label("How")
            expect(how).to_have_value("")
            expect(form.get_by_label("Outcome")).to_have_value("")
            expect(how.locator("option")).to_have_text(["Choose how", "Phone"])
            how.select_option("phone")
            form.get_by_label("Outcome").select_option(label="Left a message")
            form.get_by_role("button", name="Log contact attempt").click()
            expect(page.get_by_text("The client asked that no voicemail be left")).to_be_visible()
            assert_accessible(page)
            save_screenshot(page, "staff-triage-contact-refused")

            page.get_by_role("link", name=re.compile("Next referral in this queue")).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"DBT referral of {partial}")
            expect(page.get_by_text("The client chose to leave from the page")).to_be_visible()
            assert_accessible(page)

        with app.app_context():
            dbt = db.session.scalars(
                db.select(Referral).where(
                    Referral.submission_id == both_id, Referral.queue == "dbt"
                )
            ).one()
            assert dbt.status == "accepted"


def test_the_alert_overview_and_audit_pages_show_labels_not_codes(
    page: Page, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            coordinator = factories.staff_user(display_name="Cora Coordinator", is_admin=True)
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            urgent = _routed(factories.submitted_intake(answers={"safety.now": 0}))
            queue_staff_alerts(urgent.referrals)
            db.session.flush()
            alert = db.session.scalars(db.select(StaffAlert)).first()
            assert alert is not None
            alert_id = alert.id
            db.session.commit()

        with LiveServer(app) as server:
            sign_in(page, server.url)
            page.goto(f"{server.url}/staff/alerts/{alert_id}")
            facts = page.locator("dl").first.get_by_role("definition")
            expect(facts.nth(0)).to_have_text("Urgent")  # not "urgent"
            expect(facts.nth(1)).to_have_text("General intake review")  # not "intake"
            assert_accessible(page)

            page.goto(f"{server.url}/staff/overview")
            expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
            assert_accessible(page)

            page.goto(f"{server.url}/staff/admin/audit?action=submission")
            audit = page.locator("table.audit")
            expect(audit).to_contain_text("Intake submitted")
            expect(audit).to_contain_text("Adult, about themselves")
            expect(audit).not_to_contain_text("adult_self")
            assert_accessible(page)
            save_screenshot(page, "staff-audit-labels")

            page.goto(f"{server.url}/staff/messages/failed")
            assert_accessible(page)
