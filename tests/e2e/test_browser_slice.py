"""In a real browser: an intake submitted on the embedded default reaches the staff queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from clinic.extensions import db
from tests import factories
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer, assert_accessible, save_screenshot
from tests.support.processes import start_worker

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_intake_in_the_browser_reaches_the_staff_queue(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            factories.staff_user()
            db.session.commit()
        worker = start_worker(stack.env, tmp_path)
        try:
            with LiveServer(app) as server:
                page.goto(f"{server.url}/intake")
                assert_accessible(page)
                save_screenshot(page, "placeholder-intake")
                page.get_by_label("Myself (18 or older)").check()
                page.get_by_label("How old are you (or the child)?").fill("29")
                page.get_by_role("group", name="safe where you are").get_by_label("Yes").check()
                page.get_by_role("button", name="Send").click()
                expect(page.get_by_role("heading", level=1)).to_have_text(
                    "Thank you – we have your answers"
                )
                assert "29" not in page.url

                page.goto(f"{server.url}/staff")
                page.get_by_label("Email").fill("coordinator@example.org")
                page.get_by_label("Password").fill(factories.STAFF_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("heading", name="Referrals")).to_be_visible()
                row = page.get_by_role("row").filter(has_text="routine")
                for _ in range(60):  # the worker routes it in the background
                    if row.count():
                        break
                    page.wait_for_timeout(1000)
                    page.reload()
                expect(row).to_contain_text("intake")
                assert_accessible(page)
                save_screenshot(page, "staff-queue")
        finally:
            worker.stop()
