"""Client messages obey the safe-contact wishes, language and clinic-name choice."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage, OutboxMessage
from clinic.notifications import (
    queue_contact_attempt,
    queue_resume_link,
    queue_submission_confirmation,
)
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    CANARY_PHONE,
    contact,
    submission_with,
)

pytestmark = pytest.mark.usefixtures("app_context")

RESUME_CODE = "VERYS-ECRET-TOKEN-ABCDE-FGHJKM"
RESUME_LINK = f"https://clinic.example/intake/resume#{RESUME_CODE.replace('-', '')}"


def _messages() -> list[NotificationMessage]:
    return list(db.session.scalars(select(NotificationMessage).order_by(NotificationMessage.event)))


def test_confirmation_goes_by_email_when_email_is_safe(app: Flask) -> None:
    submission = submission_with(contact(email=True))

    queue_submission_confirmation(submission)
    db.session.commit()

    [message] = _messages()
    assert (message.channel, message.template, message.status) == (
        "email",
        "client_confirmation",
        "pending",
    )
    assert message.payload == {"to": CANARY_EMAIL, "values": {"clinic_name": None}}
    assert message.recipient == "client"
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert TaskNames.SEND_NOTIFICATION in kinds


def test_the_clinic_is_named_only_when_the_client_allowed_it(app: Flask) -> None:
    submission = submission_with(contact(email=True, mention_clinic=True, language="es"))

    queue_submission_confirmation(submission)

    [message] = _messages()
    assert message.language == "es"
    assert message.payload["values"] == {"clinic_name": "Clínica Comunitaria de Terapia"}


def test_confirmation_goes_by_text_when_only_text_is_safe(app: Flask) -> None:
    submission = submission_with(contact(email=False, text=True))

    queue_submission_confirmation(submission)

    [message] = _messages()
    assert message.channel == "sms"
    assert message.payload["to"] == CANARY_PHONE


@pytest.mark.parametrize(
    "document",
    [None, {}, contact(email=False, text=False), {**contact(email=True), "email": None}],
    ids=["none", "empty", "no-channel-allowed", "email-allowed-but-no-address"],
)
def test_nothing_is_sent_without_a_safe_channel_and_that_is_recorded(
    app: Flask, document: dict[str, Any] | None
) -> None:
    submission = submission_with(document)

    queue_submission_confirmation(submission)

    [message] = _messages()
    assert (message.channel, message.status, message.last_error) == (
        "none",
        "skipped",
        "no safe channel",
    )
    assert message.payload is None
    assert message.submission_id == submission.id
    sends = select(OutboxMessage).where(OutboxMessage.kind == TaskNames.SEND_NOTIFICATION)
    assert db.session.scalars(sends).all() == []


def test_the_resume_link_is_emailed_only_when_asked_for_and_email_is_safe(app: Flask) -> None:
    not_asked = submission_with(contact(email=True, resume_email_ok=False))
    queue_resume_link(not_asked, RESUME_LINK, RESUME_CODE)
    assert _messages() == []

    text_only = submission_with(contact(email=False, text=True, resume_email_ok=True))
    queue_resume_link(text_only, RESUME_LINK, RESUME_CODE)
    [skipped] = _messages()
    assert (skipped.channel, skipped.status) == ("none", "skipped")


def test_the_resume_link_is_kept_only_encrypted_and_once_per_link(app: Flask) -> None:
    submission = submission_with(contact(email=True, resume_email_ok=True))

    queue_resume_link(submission, RESUME_LINK, RESUME_CODE)
    queue_resume_link(submission, RESUME_LINK, RESUME_CODE)  # the same save, run again
    db.session.commit()

    [message] = _messages()
    assert message.payload["values"] == {
        "link": RESUME_LINK,
        "page": "https://clinic.example/intake/resume",
        "code": RESUME_CODE,
        "clinic_name": None,
    }
    outbox_rows = str(db.session.execute(select(OutboxMessage.__table__)).mappings().all())
    assert str(message.id) in outbox_rows
    for secret in (RESUME_CODE, RESUME_CODE.replace("-", ""), "VERYS", "FGHJKM"):
        assert secret not in (message.payload_encrypted or "")
        assert secret not in message.event
        assert secret not in outbox_rows


def test_a_relative_resume_link_gets_the_site_address(app: Flask) -> None:
    submission = submission_with(contact(email=True, resume_email_ok=True))

    queue_resume_link(submission, "/intake/resume#ABC", "ABC")

    [message] = _messages()
    assert message.payload["values"]["link"] == "http://127.0.0.1:5000/intake/resume#ABC"
    assert message.payload["values"]["page"] == "http://127.0.0.1:5000/intake/resume"


def test_we_tried_to_reach_you_follows_the_same_rules(app: Flask) -> None:
    safe = submission_with(contact(email=True))
    unsafe = submission_with(contact(email=False))

    queue_contact_attempt(safe, "attempt-1")
    queue_contact_attempt(unsafe, "attempt-1")

    by_submission = {m.submission_id: m for m in _messages()}
    assert by_submission[safe.id].template == "client_reach_out"
    assert by_submission[safe.id].channel == "email"
    assert by_submission[unsafe.id].status == "skipped"
