"""Re-screens while waiting, live: a live worker on PostgreSQL with Redis and with
RabbitMQ, a real SMTP server, real Chromium. Time is moved by giving the invitation
sweep a later `now` (the cadence has passed), never by sleeping.

- A client routed to EMDR gets the invitation email after the cadence; a client who
  chose no contact never does. The link opens the re-screen; PHQ-9 item 9 = 2 shows the
  crisis page at once; an acute ASQ raises the referral with its reason and pages
  on-call (an email to the on-call contact).
- A worker killed between sending an invitation and marking it sent never sends it
  again ("delivery unknown"); with the SMTP server down it is sent once it is back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select, text

from clinic.broker.names import Queues, TaskNames
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import (
    IntakeSubmission,
    NotificationMessage,
    OnCallAlert,
    OutboxMessage,
    Referral,
    ReferralEvent,
    RescreenInvitation,
)
from clinic.models.columns import utcnow
from clinic.rescreen import invitations
from tests.e2e.conftest import Stack, _make_stack
from tests.factories import safe_email_contact
from tests.support.browser import LiveServer, assert_accessible
from tests.support.processes import start_worker, wait_until
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.e2e

TIMEOUT = 90.0
ON_CALL = "oncall@example.org"
PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}
EMDR = {"safety.now": 1, **PTSD_POSITIVE}
NO_CONTACT = {
    **safe_email_contact("nobody@example.org"),
    "channels": {
        "email": {"allowed": False, "mention_clinic": False},
        "phone": {"allowed": False, "leave_message": False, "mention_clinic": False},
        "text": {"allowed": False, "mention_clinic": False},
    },
}
LINK = re.compile(r"/rescreen/([A-Za-z0-9_-]{43,})")


@pytest.fixture
def on_call_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    settings = tmp_path / "clinic.yaml"
    settings.write_text(f"notifications:\n  on_call:\n    - {{name: On call, email: {ON_CALL}}}\n")
    monkeypatch.setenv("CLINIC_SETTINGS", str(settings))
    return str(settings)


@pytest.fixture
def redis_stack(tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack("postgres-redis", tmp_path)


@pytest.fixture(params=("postgres-redis", "postgres-rabbitmq"))
def server_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack(request.param, tmp_path)


def _submit(app: Flask, answers: dict[str, int | None], contact: dict[str, Any]) -> str:
    with app.app_context():
        submission_id = submit_intake(
            path="adult_self", subject_age=34, answers=answers, contact=contact
        )
        db.session.commit()
        return str(submission_id)


def _routed(app: Flask, submission_id: str) -> bool:
    with app.app_context():
        submission = db.session.get(IntakeSubmission, uuid.UUID(submission_id))
        return submission is not None and submission.status == "routed"


def _referral(app: Flask, submission_id: str) -> tuple[str, str, list[dict[str, Any]]]:
    with app.app_context():
        referral = db.session.scalars(
            select(Referral).where(Referral.submission_id == uuid.UUID(submission_id))
        ).one()
        events = [
            e.detail
            for e in db.session.scalars(
                select(ReferralEvent).where(
                    ReferralEvent.referral_id == referral.id, ReferralEvent.kind == "priority"
                )
            )
        ]
        return referral.queue, referral.priority, events


def _sweep(app: Flask, days: int) -> int:
    with app.app_context():
        return invitations.invite_due_clients(utcnow() + timedelta(days=days))


def _to(message: Any) -> str:
    return str(message["To"])


@pytest.mark.browser
def test_a_waiting_client_is_invited_and_a_worse_re_screen_raises_the_referral(
    tmp_path: Path, smtp_server: SmtpServer, on_call_settings: str, page: Page, redis_stack: Stack
) -> None:
    stack = redis_stack
    env = {**stack.env, **smtp_server.mail_env(), "CLINIC_SETTINGS": on_call_settings}
    app = stack.web_app()
    worker = start_worker(env, tmp_path)
    try:
        waiting = _submit(app, EMDR, safe_email_contact("waiting@example.org"))
        silent = _submit(app, EMDR, NO_CONTACT)
        wait_until(
            lambda: _routed(app, waiting) and _routed(app, silent), TIMEOUT, "routing", worker
        )
        assert _referral(app, waiting)[:2] == ("emdr", "routine")

        assert _sweep(app, days=13) == 0  # not yet
        assert _sweep(app, days=15) == 1  # the cadence has passed: only the client who may be told
        wait_until(
            lambda: any(_to(m) == "waiting@example.org" for m in smtp_server.received()),
            TIMEOUT,
            "the invitation email",
            worker,
        )
        assert _sweep(app, days=15) == 0
        [email] = [m for m in smtp_server.received() if _to(m) == "waiting@example.org"]
        body = email.get_body(("plain",))
        assert body is not None
        found = LINK.search(body.get_content())
        assert found is not None
        assert "nobody@example.org" not in [_to(m) for m in smtp_server.received()]

        with LiveServer(app) as server:
            page.goto(f"{server.url}/rescreen/{found.group(1)}")
            expect(page.get_by_role("link", name="Leave this site quickly")).to_be_visible()
            for item in range(1, 11):
                page.check(f"input[name='phq9.{item}'][value='{2 if item == 9 else 0}']")
            assert_accessible(page)
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Support is available, any time"
            )
            expect(page.get_by_role("link", name="Call or text 988")).to_be_visible()
            assert_accessible(page)
            page.get_by_role("link", name="Continue the questions").click()
            for item in range(1, 8):
                page.check(f"input[name='gad7.{item}'][value='0']")
            page.get_by_role("button", name="Continue").click()
            page.check("input[name='asq.1'][value='1']")
            for item in range(2, 5):
                page.check(f"input[name='asq.{item}'][value='0']")
            page.get_by_role("button", name="Continue").click()
            page.check("input[name='asq.5'][value='1']")
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Support is available, any time"
            )  # again: risk is acute now
            page.get_by_role("link", name="Continue the questions").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Are you still waiting to see us?"
            )
            assert_accessible(page)
            page.get_by_label("I am still waiting and would like to be seen").check()
            page.get_by_role("button", name="Send my answers").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Thank you. We have your answers."
            )

        wait_until(
            lambda: _referral(app, waiting)[1] == "urgent", TIMEOUT, "the assessment", worker
        )
        _, _, events = _referral(app, waiting)
        assert events and events[0]["priority_from"] == "routine"
        assert {"acute", "suicide_risk"} <= set(events[0]["findings"])
        wait_until(
            lambda: any(_to(m) == ON_CALL for m in smtp_server.received()),
            TIMEOUT,
            "the on-call page",
            worker,
        )
        with app.app_context():
            assert db.session.scalars(
                select(OnCallAlert).where(OnCallAlert.rescreen_id.is_not(None))
            ).one()
    finally:
        worker.stop()


def _invitation_stored(stack: Stack) -> tuple[str, str]:
    """An invitation committed with its message's outbox row pending: (message, row)."""
    app = stack.web_app_with_broker_unreachable()
    try:
        with app.app_context():
            submission_id = submit_intake(
                path="adult_self",
                subject_age=34,
                answers=EMDR,
                contact=safe_email_contact("waiting@example.org"),
            )
            db.session.commit()
            from clinic.routing.record import record_routing

            record_routing(str(submission_id))
            db.session.commit()
            submission = db.session.get_one(IntakeSubmission, submission_id)
            assert submission.client_id is not None
            assert invitations.invite_if_due(submission.client_id, utcnow() + timedelta(days=15))
            db.session.commit()
            message = db.session.scalars(
                select(NotificationMessage).where(NotificationMessage.template == "client_rescreen")
            ).one()
            row = db.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == TaskNames.SEND_NOTIFICATION,
                    OutboxMessage.target_id == str(message.id),
                )
            ).one()
            assert db.session.scalars(select(RescreenInvitation)).one()
            return str(message.id), str(row.id)
    finally:
        with app.app_context():
            db.engine.dispose()


def _status(app: Flask, message_id: str) -> str:
    with app.app_context():
        message = db.session.get(NotificationMessage, uuid.UUID(message_id))
        assert message is not None
        return message.status


def test_an_invitation_is_sent_at_most_once_when_the_worker_dies_after_sending(
    server_stack: Stack, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    env = {
        **server_stack.env,
        **smtp_server.mail_env(),
        "BROKER_VISIBILITY_TIMEOUT": "20",
        "TASK_RETRY_MAX_DELAY": "2",
        "MAIL_TIMEOUT": "3",
    }
    app = server_stack.web_app()
    message_id, row_id = _invitation_stored(server_stack)
    locker = create_engine(server_stack.database_url)
    worker = start_worker(env, tmp_path, "worker-a")
    replacement = None
    try:
        with locker.connect() as connection:
            held = connection.begin()
            connection.execute(
                text("SELECT id FROM outbox_message WHERE id = :id FOR UPDATE"), {"id": row_id}
            )
            app.extensions["celery"].send_task(
                TaskNames.SEND_NOTIFICATION,
                args=[message_id],
                task_id=row_id,
                queue=Queues.NOTIFICATIONS,
            )
            wait_until(lambda: len(smtp_server.received()) == 1, TIMEOUT, "the send", worker)
            wait_until(
                lambda: (
                    connection.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database()"
                            " AND wait_event_type = 'Lock'"
                        )
                    )
                    >= 1
                ),
                what="the mark `sent` to wait, after the send",
                process=worker,
            )
            worker.kill()
            held.rollback()
        replacement = start_worker(env, tmp_path, "worker-b")
        wait_until(
            lambda: _status(app, message_id) == "unknown", TIMEOUT, "delivery unknown", replacement
        )
        assert len(smtp_server.received()) == 1
        with app.app_context():  # and the sweep does not invite again in the same round
            assert invitations.invite_due_clients(utcnow() + timedelta(days=15)) == 0
    finally:
        worker.stop()
        if replacement is not None:
            replacement.stop()
        locker.dispose()


def test_an_invitation_waits_out_an_smtp_outage_and_is_sent_once(
    server_stack: Stack, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    env = {**server_stack.env, **smtp_server.mail_env(), "TASK_RETRY_MAX_DELAY": "2"}
    smtp_server.refuse_with = "421 4.3.2 Service not available"
    app = server_stack.web_app()
    message_id, row_id = _invitation_stored(server_stack)
    worker = start_worker(env, tmp_path)
    try:
        app.extensions["celery"].send_task(
            TaskNames.SEND_NOTIFICATION,
            args=[message_id],
            task_id=row_id,
            queue=Queues.NOTIFICATIONS,
        )
        wait_until(
            lambda: _status(app, message_id) == "pending" and _attempts(app, message_id) >= 1,
            TIMEOUT,
            "a refused attempt",
            worker,
        )
        smtp_server.refuse_with = None
        wait_until(lambda: _status(app, message_id) == "sent", TIMEOUT, "the send", worker)
        assert len(smtp_server.received()) == 1
    finally:
        worker.stop()


def _attempts(app: Flask, message_id: str) -> int:
    with app.app_context():
        message = db.session.get(NotificationMessage, uuid.UUID(message_id))
        assert message is not None
        return message.attempts
