"""Routing a submitted intake: decide its referrals and record them, once.

Placeholder rule until the routing engine lands: every intake goes to the
general `intake` queue as routine.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from clinic import audit, outbox
from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, ReferralEvent
from clinic.models.columns import utcnow
from workers.queues import TaskNames

log = logging.getLogger(__name__)

PLACEHOLDER_RULE = "placeholder.all_to_intake"


def route_submission(submission_id: str) -> str:
    """Write the referrals of a submitted intake; a second run changes nothing."""
    submission = db.session.scalars(
        select(IntakeSubmission)
        .where(IntakeSubmission.id == uuid.UUID(submission_id))
        .with_for_update()
    ).one_or_none()
    if submission is None:
        log.warning("submission %s not found; nothing to route", submission_id)
        return "missing"
    if submission.status == "submitted":
        referral = Referral(
            submission_id=submission.id,
            queue="intake",
            rank=0,
            priority="routine",
            status="new",
            explanation={
                "rules": [PLACEHOLDER_RULE],
                "sentences": ["General intake review: every intake is reviewed by a clinician."],
            },
        )
        db.session.add(referral)
        db.session.flush()
        db.session.add(ReferralEvent(referral_id=referral.id, kind="created", to_status="new"))
        submission.status = "routed"
        submission.routed_at = utcnow()
        audit.record(
            "submission.routed",
            target_type="submission",
            target_id=submission.id,
            actor_kind="system",
            detail={"queues": ["intake"], "priority": "routine"},
        )
    outbox.mark_done(TaskNames.ROUTE_SUBMISSION, submission_id)
    outbox.commit()
    return submission.status
