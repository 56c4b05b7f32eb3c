"""The admins' operations page in the browser: axe-clean at desktop width and at 320 px,
fits the window, and its actions work without JavaScript's help."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications import queue_submission_confirmation
from clinic.operations import heartbeats
from tests import factories
from tests.clinic.notifications.conftest import contact
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _fits_the_window(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window"


def _something_to_show() -> None:
    """A late intake, a failed task, a message of unknown delivery, beat and a worker."""
    with unit_of_work():
        late = factories.submitted_intake()
        late.submitted_at = utcnow() - timedelta(hours=2)
        failed = factories.outbox_message(kind=TaskNames.SWEEP_DRAFTS)
        failed.status, failed.last_error = "failed", "gave up"
        queue_submission_confirmation(factories.submitted_intake(contact=contact(email=True)))
        message = db.session.scalars(select(NotificationMessage)).one()
        message.status, message.claimed_at, message.attempts = "unknown", utcnow(), 1
        heartbeats.hold_beat_lease("beat-host:1:a", 30)
        heartbeats.write_worker_heartbeat("worker-1@host")


def test_an_admin_reviews_operations_and_sends_a_message_again(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app_with_broker_unreachable()  # what is requeued stays pending
        with app.app_context():
            admin = factories.staff_user(
                email="ada@example.org", display_name="Ada Admin", role="admin"
            )
            admin.mfa_secret = SECRET
            admin.mfa_confirmed_at = utcnow()
            db.session.commit()
            _something_to_show()

        with LiveServer(app) as server:
            page.goto(f"{server.url}/staff")
            page.get_by_label("Email").fill("ada@example.org")
            page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
            page.get_by_role("button", name="Continue").click()

            page.get_by_role("link", name="Operations").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Operations")
            expect(page.get_by_role("row").filter(has_text="worker:worker-1@host")).to_contain_text(
                "alive"
            )
            assert_accessible(page)
            _fits_the_window(page)
            save_screenshot(page, "staff-operations")

            page.get_by_role("button", name="Send again").first.click()
            expect(page.get_by_text("The message will be sent again.")).to_be_visible()
            expect(page.get_by_role("button", name="Send again")).to_have_count(0)
            page.get_by_role("button", name="Publish again").first.click()
            expect(page.get_by_text("The task will be published again.")).to_be_visible()
            assert_accessible(page)
            _fits_the_window(page)
        with app.app_context():
            db.engine.dispose()
