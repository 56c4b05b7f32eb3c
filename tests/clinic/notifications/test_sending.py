"""Claim, send, mark sent: once in the normal case, retried when passing, failed when not."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, OutboxMessage
from clinic.models.columns import utcnow
from clinic.notifications import queue_staff_alerts, queue_submission_confirmation, status
from clinic.notifications.sending import (
    MARK_SENT_RETRY_DELAYS,
    lease_seconds,
    retry_delay,
    send_message,
)
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    contact,
    referral_for,
    staff,
    submission_with,
)
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("app_context")


def _queued_message() -> NotificationMessage:
    queue_submission_confirmation(submission_with(contact(email=True)))
    db.session.commit()
    return db.session.scalars(select(NotificationMessage)).one()


def _outbox_status(message: NotificationMessage) -> str:
    return db.session.scalars(
        select(OutboxMessage.status).where(
            OutboxMessage.kind == TaskNames.SEND_NOTIFICATION,
            OutboxMessage.target_id == str(message.id),
        )
    ).one()


def test_a_message_is_sent_marked_sent_and_its_address_wiped(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()

    assert send_message(str(message.id)).status == "sent"

    [email] = smtp_server.received()
    assert email["To"] == CANARY_EMAIL
    assert email["Subject"] == "Your form was received"
    db.session.refresh(message)
    assert (message.status, message.attempts, message.payload) == ("sent", 1, None)
    assert message.payload_encrypted is None
    assert message.sent_at is not None
    assert _outbox_status(message) == "done"


def test_a_task_delivered_again_after_the_send_sends_nothing(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()
    send_message(str(message.id))

    outcome = send_message(str(message.id))

    assert (outcome.status, outcome.retry_in) == ("sent", None)
    assert len(smtp_server.received()) == 1


def test_a_send_in_progress_elsewhere_is_left_alone_until_its_lease_ends(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()
    message.status, message.claimed_at, message.attempts = "sending", utcnow(), 1
    db.session.commit()

    outcome = send_message(str(message.id))

    assert outcome.status == "sending"
    assert outcome.retry_in is not None
    assert 0 < outcome.retry_in <= lease_seconds(mail_app.config) + 1
    assert smtp_server.received() == []


def _staff_message() -> NotificationMessage:
    """A staff alert's message (at least once), to the one coordinator of its queue."""
    staff("coordinator@example.net")
    queue_staff_alerts([referral_for(submission_with(contact(email=False)), queue="family")])
    db.session.commit()
    return db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.template == "staff_alert")
    ).one()


def _died_mid_send(config: Any, message: NotificationMessage) -> None:
    """The row as a worker killed between send and mark leaves it, its lease over."""
    lease = timedelta(seconds=lease_seconds(config) + 1)
    message.status, message.claimed_at, message.attempts = "sending", utcnow() - lease, 1
    db.session.commit()


def test_a_staff_message_whose_worker_died_is_sent_again_with_the_same_message_id(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _staff_message()
    _died_mid_send(mail_app.config, message)

    assert send_message(str(message.id)).status == "sent"

    [email] = smtp_server.received()
    assert email["Message-ID"].startswith(f"<{message.id}@")
    db.session.refresh(message)
    assert message.attempts == 2


def test_a_client_message_whose_worker_died_is_not_sent_again_but_delivery_unknown(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()
    _died_mid_send(mail_app.config, message)

    assert send_message(str(message.id)).status == "unknown"
    assert send_message(str(message.id)).status == "unknown"  # delivered again: still nothing

    assert smtp_server.received() == []
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("unknown", 1)
    assert message.payload is not None  # kept, so that an admin can resend it
    assert _outbox_status(message) == "done"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("message.delivery_unknown") == 1

    assert status.retry(message.id) is status.Retry.QUEUED  # an admin resends it
    db.session.commit()
    assert "message.resent" in db.session.scalars(select(AuditEvent.action)).all()
    assert send_message(str(message.id)).status == "sent"
    assert len(smtp_server.received()) == 1


class _MarkSentFails:
    """Fault injection at the driver: the UPDATE that marks a message sent fails `times` times."""

    def __init__(self, times: int) -> None:
        self.left = times

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        marking_sent = (
            statement.startswith("UPDATE notification_message") and "sent_at" in statement
        )
        if self.left and marking_sent:
            self.left -= 1
            raise OperationalError(statement, {}, ConnectionError("server closed the connection"))


def test_a_mark_sent_that_fails_for_a_database_error_is_retried_not_resent(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()
    message_id = message.id
    fault = _MarkSentFails(times=2)
    event.listen(db.engine, "before_cursor_execute", fault)
    try:
        assert send_message(str(message.id)).status == "sent"
    finally:
        event.remove(db.engine, "before_cursor_execute", fault)

    assert fault.left == 0
    assert len(smtp_server.received()) == 1
    stored = db.session.get(NotificationMessage, message_id)  # the session was renewed
    assert stored is not None and (stored.status, stored.attempts) == ("sent", 1)
    assert _outbox_status(stored) == "done"


def test_a_mark_sent_that_keeps_failing_gives_up_leaving_the_row_sending(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()
    message_id = message.id
    fault = _MarkSentFails(times=len(MARK_SENT_RETRY_DELAYS) + 1)
    event.listen(db.engine, "before_cursor_execute", fault)
    try:
        with pytest.raises(OperationalError):
            send_message(str(message.id))
    finally:
        event.remove(db.engine, "before_cursor_execute", fault)

    assert len(smtp_server.received()) == 1
    stored = db.session.get(NotificationMessage, message_id)  # the session was renewed
    assert (
        stored is not None and stored.status == "sending"
    )  # after the lease: delivery unknown, never a resend


def test_smtp_down_backs_off_then_sends_when_it_is_back(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    message = _queued_message()
    smtp_server.stop()

    outcome = send_message(str(message.id))

    assert outcome.status == "pending"
    assert outcome.retry_in is not None
    assert 1 <= outcome.retry_in <= 2
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == (
        "pending",
        1,
        "ConnectionRefusedError",
    )
    assert message.next_attempt_at > utcnow()
    assert _outbox_status(message) == "pending"  # unfinished: its retry comes back

    smtp_server.start()
    assert send_message(str(message.id)).status == "pending"  # early: not due yet
    assert smtp_server.received() == []

    message.next_attempt_at = utcnow()
    db.session.commit()
    assert send_message(str(message.id)).status == "sent"
    assert len(smtp_server.received()) == 1


def test_temporary_failures_give_up_after_the_last_attempt(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    mail_app.config["NOTIFICATION_MAX_ATTEMPTS"] = 2
    smtp_server.refuse_with = "451"
    message = _queued_message()

    assert send_message(str(message.id)).status == "pending"
    message.next_attempt_at = utcnow()
    db.session.commit()
    assert send_message(str(message.id)).status == "failed"

    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", 2)
    assert message.last_error == "SMTP 451; gave up after 2 tries"
    assert _outbox_status(message) == "done"


def test_a_permanent_failure_fails_at_once_and_keeps_what_a_retry_needs(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse_with = "550"
    message = _queued_message()

    outcome = send_message(str(message.id))

    assert (outcome.status, outcome.retry_in) == ("failed", None)
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("failed", 1, "SMTP 550")
    assert message.payload is not None


def test_logs_never_hold_the_address_or_other_details(
    mail_app: Flask, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    smtp_server.refuse_with = "550"
    failing = _queued_message()
    send_message(str(failing.id))
    smtp_server.refuse_with = None
    queue_submission_confirmation(submission_with(contact(email=True)))
    db.session.commit()
    for message in db.session.scalars(select(NotificationMessage)):
        send_message(str(message.id))

    assert len(smtp_server.received()) == 1
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "message" in ours  # aiosmtpd logs as `mail.log`: it is the far end, not us
    for canary in (CANARY_EMAIL, CANARY_NAME, CANARY_PHONE, "example.org"):
        assert canary not in ours


@pytest.mark.parametrize("attempts", [1, 2, 3, 6, 20])
def test_backoff_doubles_with_jitter_up_to_the_cap(app: Flask, attempts: int) -> None:
    ceiling = min(app.config["TASK_RETRY_MAX_DELAY"], 2.0 * 2 ** (attempts - 1))
    delays = {retry_delay(attempts) for _ in range(50)}
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(delays) > 1  # jitter: not all the same
