"""In a real browser, with a live worker on the embedded default: an acute ASQ answer pages
on-call from the draft before anything is sent; leaving at the safety page sends the
intake, which is routed urgent and linked to that same alert (one alert, one page)."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission, NotificationMessage, OnCallAlert, Referral
from tests import factories
from tests.clinic.intake.browser import BrowserIntake
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer
from tests.support.processes import LiveProcess, start_worker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TIMEOUT = 90.0
DRAFT_PAGE = "Urgent: an intake in progress needs attention now"
REFERRAL_PAGE = "Urgent: a referral needs attention now"
QUEUE_ALERT = "Urgent: a referral needs attention"
ON_CALL_SETTINGS = """
notifications:
  on_call:
    - {name: On-call, email: oncall@example.net}
"""


class Clinic:
    """The web app behind a live server, its worker, and the messages it wrote to disk."""

    def __init__(self, app: Flask, url: str, worker: LiveProcess, folder: Path) -> None:
        self.app, self.url, self.worker, self.folder = app, url, worker, folder

    def subjects(self) -> list[str]:
        files = sorted(self.folder.glob("*.eml")) if self.folder.exists() else []
        return [str(message_from_bytes(f.read_bytes())["Subject"]) for f in files]

    def bodies(self) -> str:
        return "\n".join(f.read_text() for f in sorted(self.folder.glob("*.eml")))

    def state(self) -> tuple[str, list[str | None], list[str], list[str]]:
        """The intake's status, its on-call alerts' staff alert ids, the templates of their
        pages, and the priorities of its referrals."""
        with self.app.app_context():
            status = db.session.scalars(select(IntakeSubmission.status)).one()
            linked = [
                None if alert_id is None else str(alert_id)
                for alert_id in db.session.scalars(select(OnCallAlert.staff_alert_id))
            ]
            pages = db.session.scalars(
                select(NotificationMessage.template).where(
                    NotificationMessage.event.startswith("page:")
                )
            ).all()
            priorities = db.session.scalars(select(Referral.priority)).all()
            return status, linked, list(pages), list(priorities)


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    settings = tmp_path / "clinic.yaml"
    settings.write_text(
        "notifications:\n  on_call:\n    - {name: On-call, email: oncall@example.net}\n"
    )
    monkeypatch.setenv("CLINIC_SETTINGS", str(settings))
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            factories.staff_user(email="coordinator@example.net")  # told of the referral
            db.session.commit()
        worker = start_worker({**stack.env, "CLINIC_SETTINGS": str(settings)}, tmp_path)
        try:
            with LiveServer(app) as server:
                yield Clinic(app, server.url, worker, stack.instance_path / "messages")
        finally:
            worker.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_an_acute_answer_pages_on_call_before_anything_is_sent_and_only_once(
    page: Page, clinic: Clinic
) -> None:
    url = clinic.url
    intake = BrowserIntake(page, url, "on-call")
    intake.start("Me – I am 18 or older", 29)
    intake.walk(stop=lambda: intake.note_section() == "asq")
    intake.note()
    intake.answer({"asq.1": 1})
    expect(page).to_have_url(f"{url}/intake/support")
    status, alerts, _, _ = clinic.state()
    assert (status, alerts) == ("draft", [])  # suicide risk alone pages no one

    intake.continue_the_form()
    intake.answer({"asq.5": 1})  # acute: "are you thinking of killing yourself right now?"
    expect(page).to_have_url(f"{url}/intake/support")
    expect(page.get_by_text("to our team straight away")).to_be_visible()
    expect(
        page.get_by_text("after 15 minutes, so that they can reach out to you soon")
    ).to_be_visible()
    intake.check_page("support-acute")

    status, alerts, pages, _ = clinic.state()
    assert (status, alerts, pages) == ("draft", [None], ["staff_draft_page"])
    wait_until(lambda: DRAFT_PAGE in clinic.subjects(), TIMEOUT, "the page", clinic.worker)
    assert clinic.state()[0] == "draft"  # paged while the client is still on the form
    assert "/staff/on-call/" in clinic.bodies() and "asq" not in clinic.bodies().lower()

    page.get_by_role("button", name="Leave now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you. We have what you answered so far."
    )

    def linked() -> bool:
        return clinic.state()[1] not in ([], [None])

    wait_until(linked, TIMEOUT, "routing to link the on-call alert", clinic.worker)
    wait_until(lambda: QUEUE_ALERT in clinic.subjects(), TIMEOUT, "the queue alert", clinic.worker)
    status, alerts, pages, priorities = clinic.state()
    assert status == "routed" and priorities and set(priorities) == {"urgent"}
    assert len(alerts) == 1 and pages == ["staff_draft_page"]  # one alert, paged once
    assert clinic.subjects().count(DRAFT_PAGE) == 1
    assert REFERRAL_PAGE not in clinic.subjects()
