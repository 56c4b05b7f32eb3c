"""What is stuck or unknown, for `/readyz` and the admins' operations page.

- intakes still `submitted` after UNROUTED_AFTER_SECONDS, and referrals whose
  explanation marks them `needs_review` (a routing that could not finish);
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
SCANNED = 500


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
    """Open `intake` referrals whose explanation says routing could not finish.

    The explanation is encrypted, so the newest SCANNED open intake-review referrals
    are read and checked here.
    """
    rows = db.session.scalars(
        select(Referral)
        .where(Referral.queue == "intake", Referral.status.not_in(CLOSED))
        .order_by(Referral.created_at.desc())
        .limit(SCANNED)
    )
    return [referral for referral in rows if _marked_needs_review(referral)][:LIMIT]


def _marked_needs_review(referral: Referral) -> bool:
    explanation = referral.explanation
    if not isinstance(explanation, dict):
        return False
    return bool(explanation.get("needs_review")) or "needs_review" in explanation.get(
        "rule_ids", []
    )


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
