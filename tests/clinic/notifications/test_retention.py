"""Failed messages keep their details (address, resume link) for a limited time only."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic import create_app
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, OutboxMessage, Referral
from clinic.models.columns import utcnow
from clinic.notifications import queue_resume_link, queue_submission_confirmation
from clinic.notifications.retention import BATCH, remove_expired_details
from clinic.notifications.sending import send_message
from config.settings import settings_from_env
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    contact,
    referral_for,
    sign_in_as,
    staff,
    submission_with,
)
from tests.conftest import app_overrides
from tests.support.html import csrf_token
from tests.support.smtp import SmtpServer

LINK = "http://127.0.0.1:5000/resume#canary-secret-code"
CODE = "CANARY-CODE-4242"
EXPIRED = "Details removed after 30 days, so it cannot be sent again"


def _failed_messages(smtp_server: SmtpServer) -> tuple[NotificationMessage, NotificationMessage]:
    """A resume link and a confirmation to the client, failed for good (SMTP 550)."""
    submission = submission_with(contact(resume_email_ok=True))
    referral_for(submission)
    queue_resume_link(submission, LINK, CODE)
    queue_submission_confirmation(submission)
    db.session.commit()
    smtp_server.refuse_with = "550"
    messages = db.session.scalars(
        select(NotificationMessage).order_by(NotificationMessage.template)
    ).all()
    for message in messages:
        assert send_message(str(message.id)).status == "failed"
    confirmation, resume_link = messages
    assert resume_link.payload["values"]["code"] == CODE
    return resume_link, confirmation


def _failed_days_ago(message: NotificationMessage, days: float, created: float = 0) -> None:
    """Its last try began `days` ago (and it was written `created` days before that)."""
    message.claimed_at = utcnow() - timedelta(days=days)
    message.created_at = message.claimed_at - timedelta(days=created)
    db.session.commit()


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _removed_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "message.details_removed")
        ).all()
    )


@pytest.mark.usefixtures("app_context")
def test_only_messages_failed_longer_ago_than_the_limit_lose_their_details(
    mail_app: Flask, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    old, recent = _failed_messages(smtp_server)
    _failed_days_ago(old, 30.01)
    _failed_days_ago(recent, 29.9, created=40)  # written long ago, retried recently
    caplog.set_level(logging.DEBUG)

    assert remove_expired_details() == 1

    db.session.refresh(old)
    db.session.refresh(recent)
    assert (old.status, old.payload_encrypted, old.payload) == ("failed", None, None)
    assert old.last_error is not None and "550" in old.last_error  # staff still see why
    assert old.details_removed
    assert recent.payload["to"] == CANARY_EMAIL
    assert not recent.details_removed
    [event] = _removed_events()
    assert (event.actor_kind, event.actor_id) == ("system", None)
    assert (event.target_type, event.target_id) == ("notification_message", str(old.id))
    assert event.detail == {"retention_days": 30}
    assert "removed the details of 1 message(s)" in caplog.text
    for secret in (CANARY_EMAIL, CODE, "canary-secret-code"):
        assert secret not in caplog.text


@pytest.mark.usefixtures("app_context")
def test_running_again_changes_nothing(mail_app: Flask, smtp_server: SmtpServer) -> None:
    old, other = _failed_messages(smtp_server)
    _failed_days_ago(old, 31)
    _failed_days_ago(other, 31)

    assert remove_expired_details() == 2
    assert remove_expired_details() == 0

    assert len(_removed_events()) == 2
    for message in (old, other):
        db.session.refresh(message)
        assert message.details_removed


@pytest.mark.usefixtures("app_context")
def test_sent_pending_and_sending_messages_are_left_alone(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    submission = submission_with(contact(resume_email_ok=True))
    queue_resume_link(submission, LINK, CODE)
    queue_submission_confirmation(submission)
    db.session.commit()
    confirmation, resume_link = db.session.scalars(
        select(NotificationMessage).order_by(NotificationMessage.template)
    ).all()
    assert send_message(str(confirmation.id)).status == "sent"
    resume_link.status = "sending"
    _failed_days_ago(confirmation, 90)
    _failed_days_ago(resume_link, 90)
    pending = NotificationMessage(
        event="test:pending",
        recipient="client",
        channel="email",
        template="client_confirmation",
        status="pending",
        payload={"to": CANARY_EMAIL, "values": {}},
        created_at=utcnow() - timedelta(days=90),
    )
    db.session.add(pending)
    db.session.commit()

    assert remove_expired_details(now=utcnow() + timedelta(days=365)) == 0

    assert resume_link.payload["values"]["code"] == CODE
    assert pending.payload["to"] == CANARY_EMAIL
    db.session.refresh(confirmation)
    assert (confirmation.status, confirmation.details_removed) == ("sent", False)
    assert _removed_events() == []


@pytest.mark.usefixtures("app_context")
def test_the_limit_is_the_setting(mail_app: Flask, smtp_server: SmtpServer) -> None:
    mail_app.config["FAILED_MESSAGE_RETENTION_DAYS"] = 3
    old, recent = _failed_messages(smtp_server)
    _failed_days_ago(old, 3.01)
    _failed_days_ago(recent, 2.9)

    assert remove_expired_details() == 1

    assert old.details_removed and not recent.details_removed
    assert _removed_events()[0].detail == {"retention_days": 3}


@pytest.mark.usefixtures("app_context")
def test_a_run_takes_one_batch(app: Flask) -> None:
    long_ago = utcnow() - timedelta(days=40)
    for n in range(BATCH + 3):
        db.session.add(
            NotificationMessage(
                event=f"test:{n}",
                recipient="client",
                channel="email",
                template="client_confirmation",
                status="failed",
                payload={"to": f"client{n}@example.org", "values": {}},
                created_at=long_ago,
                claimed_at=long_ago,
            )
        )
    db.session.commit()

    assert remove_expired_details() == BATCH
    assert remove_expired_details() == 3
    assert remove_expired_details() == 0


def test_the_setting_defaults_to_30_days_and_must_be_at_least_1() -> None:
    assert settings_from_env({}).failed_message_retention_days == 30
    env = {"FAILED_MESSAGE_RETENTION_DAYS": " 7 "}
    assert settings_from_env(env).failed_message_retention_days == 7
    for bad in ("0", "-3", "1.5", "thirty", ""):
        with pytest.raises(ValueError, match="FAILED_MESSAGE_RETENTION_DAYS must be a whole"):
            settings_from_env({"FAILED_MESSAGE_RETENTION_DAYS": bad})


def test_the_app_takes_the_setting_and_refuses_a_bad_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    overrides = app_overrides(f"sqlite:///{tmp_path / 'unused.sqlite'}", tmp_path)
    monkeypatch.setenv("FAILED_MESSAGE_RETENTION_DAYS", "14")
    assert create_app(overrides).config["FAILED_MESSAGE_RETENTION_DAYS"] == 14
    assert (
        create_app({**overrides, "FAILED_MESSAGE_RETENTION_DAYS": 5}).config[
            "FAILED_MESSAGE_RETENTION_DAYS"
        ]
        == 5
    )
    with pytest.raises(ValueError, match="at least 1"):
        create_app({**overrides, "FAILED_MESSAGE_RETENTION_DAYS": 0})
    monkeypatch.setenv("FAILED_MESSAGE_RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        create_app(overrides)


@pytest.mark.usefixtures("app_context")
def test_staff_see_the_message_failed_with_no_retry_and_why(
    mail_app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    old, recent = _failed_messages(smtp_server)
    _failed_days_ago(old, 31)
    assert remove_expired_details() == 1
    referral_id = referral_id_of(old)

    sign_in_as(client, staff("coordinator@example.org"))
    page = client.get(f"/staff/referrals/{referral_id}").get_data(as_text=True)
    assert page.count("SMTP 550") == 2
    assert page.count(EXPIRED) == 1
    assert "contact the client another way" in page
    assert "Retry" not in page
    assert CODE not in page  # (the contact section shows the address itself)

    sign_in_as(client, staff("admin@example.org", role="admin"))
    listing = client.get("/staff/messages/failed").get_data(as_text=True)
    assert listing.count(EXPIRED) == 1
    assert listing.count("Retry") == 1  # the recent one only
    assert f"/staff/messages/{recent.id}/retry" in listing
    assert f"/staff/messages/{old.id}/retry" not in listing


def referral_id_of(message: NotificationMessage) -> uuid.UUID:
    return db.session.scalars(
        select(Referral.id).where(Referral.submission_id == message.submission_id)
    ).one()


@pytest.mark.usefixtures("app_context")
def test_a_retry_of_a_message_whose_details_were_removed_is_refused(
    mail_app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    old, recent = _failed_messages(smtp_server)
    _failed_days_ago(old, 31)
    assert remove_expired_details() == 1
    sign_in_as(client, staff("admin@example.org", role="admin"))
    token = csrf_token(client, "/staff/messages/failed")
    outbox_rows = _count(OutboxMessage)

    response = client.post(
        f"/staff/messages/{old.id}/retry", data={"csrf_token": token}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "its details were removed after 30 days" in response.get_data(as_text=True)
    db.session.refresh(old)
    assert (old.status, old.payload_encrypted) == ("failed", None)
    assert _count(OutboxMessage) == outbox_rows
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "message.retried" not in actions

    smtp_server.refuse_with = None
    client.post(f"/staff/messages/{recent.id}/retry", data={"csrf_token": token})
    db.session.refresh(recent)
    assert recent.status == "pending"  # one not yet past the limit can still be retried
    assert (
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == TaskNames.SEND_NOTIFICATION,
                OutboxMessage.target_id == str(recent.id),
                OutboxMessage.status != "done",
            )
        ).one()
        is not None
    )
