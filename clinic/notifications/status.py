"""What staff see of messages: delivery state per referral, and failed messages."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage, Referral
from clinic.models.columns import utcnow
from clinic.security import audit

TEMPLATE_LABELS = {
    "staff_alert": "Staff alert",
    "staff_page": "On-call page",
    "staff_draft_page": "On-call page (intake in progress)",
    "staff_digest": "Staff digest",
    "client_confirmation": "Confirmation to the client",
    "client_resume_link": "Resume link to the client",
    "client_reach_out": "“We tried to reach you” to the client",
    "client_rescreen": "Re-screen invitation to the client",
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


class Retry(enum.Enum):
    """What became of an admin's retry."""

    QUEUED = "queued"
    NOT_FAILED = "not failed"  # missing, or no longer failed or unknown (retried already, sent)
    DETAILS_REMOVED = "details removed"  # past FAILED_MESSAGE_RETENTION_DAYS: nothing to send


RETRYABLE = ("failed", "unknown")


def retry(message_id: uuid.UUID) -> Retry:
    """Admin: send a failed message, or one whose delivery is unknown, again (a fresh set
    of tries), audited (`message.retried`, or `message.resent` for an unknown delivery:
    the person may get it twice); published after the commit.

    The row is locked, so the retention sweep cannot wipe it between this check
    and the commit (and a row it is wiping is read after its wipe).
    """
    message = db.session.scalars(
        select(NotificationMessage)
        .where(NotificationMessage.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if message is None or message.status not in RETRYABLE:
        return Retry.NOT_FAILED
    if message.details_removed:
        return Retry.DETAILS_REMOVED
    action = "message.resent" if message.status == "unknown" else "message.retried"
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    outbox.enqueue(TaskNames.SEND_NOTIFICATION, message.id)
    audit.record(action, target_type="notification_message", target_id=message_id)
    return Retry.QUEUED
