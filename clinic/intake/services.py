"""Changing intake data: submitting a completed intake."""

from __future__ import annotations

from collections.abc import Mapping

from clinic import audit, outbox
from clinic.extensions import db
from clinic.models import IntakeSubmission
from clinic.models.columns import utcnow
from workers.queues import TaskNames

DEFINITIONS_VERSION = "placeholder-1"


def submit_intake(
    *,
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    contact: Mapping[str, object] | None = None,
) -> IntakeSubmission:
    """Store a submitted intake and its routing outbox row in the current transaction."""
    submission = IntakeSubmission(
        path=path,
        status="submitted",
        definitions_version=DEFINITIONS_VERSION,
        submitted_at=utcnow(),
        answers={"subject_age": subject_age, "answers": dict(answers)},
        contact=dict(contact or {}),
    )
    db.session.add(submission)
    outbox.enqueue(TaskNames.ROUTE_SUBMISSION, submission.id)
    audit.record(
        "submission.submitted",
        target_type="submission",
        target_id=submission.id,
        actor_kind="client",
        detail={"path": path},
    )
    return submission
