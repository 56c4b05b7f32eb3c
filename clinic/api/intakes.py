"""The intake API's operations, each audited as done by the token's owner.

The views validate the request and shape the response; the request commits
what these write (clinic.models.unit_of_work).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from clinic.api.tokens import TokenOwner
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import IntakeSubmission
from clinic.security import audit


def refuse(owner: TokenOwner, path: str, scope: str) -> None:
    """The token lacks the scope, or its owner's role no longer allows it: recorded."""
    audit.record(
        "api.forbidden",
        actor=owner.actor,
        target_type="api_token",
        target_id=owner.token_id,
        detail={"path": path, "scope": scope},
    )


def create(owner: TokenOwner, body: Mapping[str, Any]) -> uuid.UUID:
    """A complete intake from a validated body, routed like one sent on the web; its id.

    One audit event records it: `api.intake_created` by the token's owner, with
    what a submission's event holds (path, partial, via `api`).
    """
    return submit_intake(
        path=body["path"],
        subject_age=body["subject_age"],
        answers=body.get("answers", {}),
        contact=body.get("contact", {}),
        by=owner.actor,
        action="api.intake_created",
        via="api",
    )


def replayed(owner: TokenOwner, submission_id: object) -> None:
    """A retry with an Idempotency-Key was answered with the first result."""
    audit.record(
        "api.intake_create_replayed",
        target_type="submission",
        target_id=submission_id,
        actor=owner.actor,
    )


def read(owner: TokenOwner, submission_id: uuid.UUID) -> IntakeSubmission | None:
    """A submitted intake (None for a draft or no such intake)."""
    submission = db.session.get(IntakeSubmission, submission_id)
    if submission is None or submission.status == "draft":
        return None
    audit.record(
        "api.intake_viewed", target_type="submission", target_id=submission_id, actor=owner.actor
    )
    return submission
