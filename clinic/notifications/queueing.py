"""Writing message rows, in the caller's transaction, each with its outbox row.

The unique key (event, recipient, channel) makes writing idempotent: code that
runs twice (a task delivered again) finds the row and writes nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage


@dataclass(frozen=True)
class Recipient:
    """Someone to tell, by one channel. `key` names them in the message's unique key."""

    key: str
    channel: str
    address: str
    language: str = "en"


def find(event: str, recipient: str, channel: str) -> NotificationMessage | None:
    return db.session.scalars(
        select(NotificationMessage).where(
            NotificationMessage.event == event,
            NotificationMessage.recipient == recipient,
            NotificationMessage.channel == channel,
        )
    ).one_or_none()


def add_message(
    event: str,
    recipient: Recipient,
    template: str,
    values: Mapping[str, Any],
    *,
    sender: str | None = None,
    submission_id: uuid.UUID | None = None,
    referral_id: uuid.UUID | None = None,
) -> NotificationMessage:
    """The message for this key: the existing one, or a new one to be sent after commit."""
    existing = find(event, recipient.key, recipient.channel)
    if existing is not None:
        return existing
    payload: dict[str, Any] = {"to": recipient.address, "values": dict(values)}
    if sender:
        payload["sender"] = sender
    message = NotificationMessage(
        event=event,
        recipient=recipient.key,
        channel=recipient.channel,
        template=template,
        language=recipient.language,
        status="pending",
        submission_id=submission_id,
        referral_id=referral_id,
        payload=payload,
    )
    db.session.add(message)
    outbox.enqueue(TaskNames.SEND_NOTIFICATION, message.id)
    return message


def record_not_sent(
    event: str, template: str, reason: str, *, submission_id: uuid.UUID
) -> NotificationMessage:
    """A client message that must not be sent (no safe channel): kept, visible to staff."""
    existing = find(event, "client", "none")
    if existing is not None:
        return existing
    message = NotificationMessage(
        event=event,
        recipient="client",
        channel="none",
        template=template,
        status="skipped",
        last_error=reason,
        submission_id=submission_id,
    )
    db.session.add(message)
    return message
