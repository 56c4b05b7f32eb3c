"""The operations page's reading and its actions, each audited in the same transaction.

Admins only (the view checks). Nothing here shows an answer or a contact detail:
ids, statuses, times, task names and error classes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from clinic.broker import outbox
from clinic.extensions import db
from clinic.models import IntakeSubmission, NotificationMessage, OutboxMessage, Referral
from clinic.notifications import status
from clinic.operations import backlog, heartbeats
from clinic.security import audit


@dataclass(frozen=True)
class OperationsView:
    unrouted: Sequence[IntakeSubmission]
    needs_review: Sequence[Referral]
    failed_outbox: Sequence[OutboxMessage]
    stuck_outbox: Sequence[OutboxMessage]
    oldest_unfinished_outbox_seconds: float | None
    unknown_deliveries: Sequence[NotificationMessage]
    beat: heartbeats.Heartbeat | None
    workers: Sequence[heartbeats.Heartbeat]


def view() -> OperationsView:
    """Everything the page shows; the view is audited with its counts."""
    shown = OperationsView(
        unrouted=backlog.unrouted_submissions(),
        needs_review=backlog.needs_review_referrals(),
        failed_outbox=backlog.failed_outbox_rows(),
        stuck_outbox=backlog.stuck_outbox_rows(),
        oldest_unfinished_outbox_seconds=backlog.oldest_unfinished_outbox_age(),
        unknown_deliveries=backlog.unknown_deliveries(),
        beat=heartbeats.beat(),
        workers=heartbeats.workers(),
    )
    audit.record(
        "operations.viewed",
        detail={
            "unrouted": len(shown.unrouted),
            "needs_review": len(shown.needs_review),
            "failed_outbox": len(shown.failed_outbox),
            "stuck_outbox": len(shown.stuck_outbox),
            "unknown_deliveries": len(shown.unknown_deliveries),
        },
    )
    return shown


def republish(row_id: uuid.UUID) -> bool:
    """Publish a failed or unfinished outbox row again (its task is idempotent); audited.

    False when the row is missing or already done.
    """
    row = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == row_id).with_for_update()
    ).one_or_none()
    if row is None or row.status == "done":
        return False
    was = row.status
    outbox.requeue(row)
    audit.record(
        "outbox.republished",
        target_type="outbox_message",
        target_id=row_id,
        detail={"kind": row.kind, "was": was},
    )
    return True


def resend(message_id: uuid.UUID) -> status.Retry:
    """Send a message whose delivery is unknown (or that failed) again; audited by status."""
    return status.retry(message_id)
