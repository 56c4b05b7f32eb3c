"""What is stuck or unknown, for `/readyz` and the admins' operations page.

- intakes still `submitted` after UNROUTED_AFTER_SECONDS, and the open referrals
  of intakes marked `needs_review` (routing could not read them);
- outbox rows `failed`, and rows not done after OUTBOX_STALE_SECONDS (stuck);
- messages whose delivery is `unknown` (clinic.notifications.sending).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import IntakeSubmission, NotificationMessage, OutboxMessage, Referral
from clinic.models.columns import utcnow

LIMIT = 100
UNFINISHED = ("pending", "published")
CLOSED = ("closed", "declined", "rerouted")


def oldest_unfinished_outbox_age(now: datetime | None = None) -> float | None:
    """Seconds since the oldest outbox row not yet done (nor failed) was written; None: none."""
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(UNFINISHED))
    )
    if oldest is None:
        return None
    return max(0.0, ((now or utcnow()) - oldest).total_seconds())


def unrouted_submissions(now: datetime | None = None) -> Sequence[IntakeSubmission]:
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["UNROUTED_AFTER_SECONDS"])
    return db.session.scalars(
        select(IntakeSubmission)
        .where(IntakeSubmission.status == "submitted", IntakeSubmission.submitted_at <= cutoff)
        .order_by(IntakeSubmission.submitted_at)
        .limit(LIMIT)
    ).all()


def needs_review_referrals() -> Sequence[Referral]:
    """Open referrals of intakes routing could not read (`needs_review`: sent to intake
    review with the reason in `routing_error`), oldest first."""
    return db.session.scalars(
        select(Referral)
        .join(IntakeSubmission, IntakeSubmission.id == Referral.submission_id)
        .where(IntakeSubmission.status == "needs_review", Referral.status.not_in(CLOSED))
        .order_by(Referral.created_at)
        .limit(LIMIT)
    ).all()


def failed_outbox_rows() -> Sequence[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.created_at.desc())
        .limit(LIMIT)
    ).all()


def stuck_outbox_rows(now: datetime | None = None) -> Sequence[OutboxMessage]:
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["OUTBOX_STALE_SECONDS"])
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(UNFINISHED), OutboxMessage.created_at <= cutoff)
        .order_by(OutboxMessage.created_at)
        .limit(LIMIT)
    ).all()


def unknown_deliveries() -> Sequence[NotificationMessage]:
    return db.session.scalars(
        select(NotificationMessage)
        .where(NotificationMessage.status == "unknown")
        .order_by(NotificationMessage.created_at.desc())
        .limit(LIMIT)
    ).all()
