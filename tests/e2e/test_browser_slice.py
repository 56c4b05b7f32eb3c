"""In a real browser: an intake filled in on the embedded default reaches the staff queue."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Referral
from clinic.models.columns import utcnow
from tests import factories
from tests.clinic.intake.browser import BrowserIntake
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot
from tests.support.processes import start_worker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ROUTING_TIMEOUT = 90.0


def _referral(app: object) -> tuple[str, str, str] | None:
    with app.app_context():  # type: ignore[attr-defined]
        referral = db.session.scalars(select(Referral)).first()
        if referral is None:
            return None
        return str(referral.submission.reference), referral.queue, referral.priority


def test_intake_in_the_browser_reaches_the_staff_queue(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            coordinator = factories.staff_user()
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            db.session.commit()
        worker = start_worker(stack.env, tmp_path)
        try:
            with LiveServer(app) as server:
                intake = BrowserIntake(page, server.url, "slice")
                intake.start("Me – I am 18 or older", 29)
                intake.walk()
                intake.send()
                assert "29" not in page.url.removeprefix(server.url)  # the age is in no URL

                wait_until(
                    lambda a=app: _referral(a) is not None, ROUTING_TIMEOUT, "routing", worker
                )
                reference, queue, priority = _referral(app) or ("", "", "")
                assert (queue, priority) == ("intake", "routine")

                page.goto(f"{server.url}/staff")
                page.get_by_label("Email").fill("coordinator@example.org")
                page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_label("Code").fill(pyotp.TOTP(SECRET).now())
                page.get_by_role("button", name="Continue").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("My queues")
                expect(page.get_by_role("row").filter(has_text=reference).first).to_be_visible()
                assert_accessible(page)
                save_screenshot(page, "staff-queue")
        finally:
            worker.stop()
