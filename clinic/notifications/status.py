"""What staff see of messages: delivery state per referral, and failed messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select

from clinic import outbox
from clinic.extensions import db
from clinic.models import NotificationMessage, Referral
from clinic.models.columns import utcnow
from workers.queues import TaskNames

TEMPLATE_LABELS = {
    "staff_alert": "Staff alert",
    "staff_page": "On-call page",
    "staff_digest": "Staff digest",
    "client_confirmation": "Confirmation to the client",
    "client_resume_link": "Resume link to the client",
    "client_reach_out": "“We tried to reach you” to the client",
}


def recipient_kind(message: NotificationMessage) -> str:
    """Who, in words, without the address: staff, on-call, a queue's mailbox, the client."""
    prefix = message.recipient.partition(":")[0]
    return {"staff": "staff member", "oncall": "on-call", "queue": "queue mailbox"}.get(
        prefix, "client"
    )


def messages_about(referral: Referral) -> Sequence[NotificationMessage]:
    """Messages about this referral and its intake (client messages included)."""
    return db.session.scalars(
        select(NotificationMessage)
        .where(
            or_(
                NotificationMessage.referral_id == referral.id,
                NotificationMessage.submission_id == referral.submission_id,
            )
        )
        .order_by(NotificationMessage.created_at)
    ).all()


def failed_messages(limit: int = 200) -> Sequence[NotificationMessage]:
    return db.session.scalars(
        select(NotificationMessage)
        .where(NotificationMessage.status == "failed")
        .order_by(NotificationMessage.created_at.desc())
        .limit(limit)
    ).all()


def retry(message_id: uuid.UUID) -> NotificationMessage | None:
    """Admin: send a failed message again (a fresh set of tries). Caller commits via outbox."""
    message = db.session.get(NotificationMessage, message_id)
    if message is None or message.status != "failed":
        return None
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    outbox.enqueue(TaskNames.SEND_NOTIFICATION, message.id)
    return message
