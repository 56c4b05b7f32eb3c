"""Submitting intakes: the submission and its routing outbox row, in one transaction.

Nothing here commits: the request (or task) commits at its boundary
(clinic.models.unit_of_work), and the routing task is published only after that commit,
once the submission is safely stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table

import forms
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.intake.drafts import definitions_version
from clinic.intake.references import (
    NUMBERED_IN_INSERT,
    next_reference,
    numbered_in_insert,
    reference_for,
)
from clinic.models import IntakeSubmission
from clinic.models.columns import key_ring, utcnow
from clinic.models.documents import AnswersDocument, ContactDocument, answers_of, contact_of, parse
from clinic.models.encryption import KeyRing, encrypt_json
from clinic.models.row_inserts import RowInsert, prebuilt_insert
from clinic.notifications import queue_submission_confirmation
from clinic.observability import metrics
from clinic.security import audit

SUBMITTED = "submission.submitted"
"""The audit action of an intake submitted by its client (or the system)."""


def _submitted_event(
    submission_id: uuid.UUID,
    path: str,
    *,
    partial: bool,
    via: str,
    by: audit.Actor | None,
    action: str,
) -> RowInsert:
    """The one audit event of a submit: `action`, by `by` (the staff account that sent
    it, an API token's owner) or else the client (the system, for a safety autosubmit)."""
    return audit.event_row(
        action,
        target_type="submission",
        target_id=submission_id,
        actor=by,
        actor_kind=None if by is not None else "system" if via == "safety_autosubmit" else "client",
        detail={"path": path, "partial": partial, "via": via},
    )


def _mark_submitted(submission: IntakeSubmission, *, partial: bool, via: str) -> None:
    """A draft submitted, with its routing outbox row and its one audit event."""
    submission.status = "submitted"
    submission.submitted_at = utcnow()
    submission.submitted_partial = partial
    submission.submitted_via = via
    submission.reference = reference_for(submission.submitted_at)
    submission.resume_code_hash = None
    submission.draft_expires_at = None
    submission.progress = None
    submission.support_pages = None
    event = _submitted_event(
        submission.id, submission.path, partial=partial, via=via, by=None, action=SUBMITTED
    )
    outbox.enqueue(TaskNames.ROUTE_SUBMISSION, submission.id, with_rows=[event])
    metrics.INTAKES_SUBMITTED.labels(path=submission.path).inc()


_SUBMISSIONS = cast(Table, IntakeSubmission.__table__)
_SUBMITTED_COLUMNS = (
    "id",
    "path",
    "status",
    "definitions_version",
    "answers_encrypted",
    "contact_encrypted",
    "created_at",
    "updated_at",
    "submitted_at",
    "submitted_partial",
    "submitted_via",
)
_INSERT_SUBMITTED = prebuilt_insert(
    _SUBMISSIONS, (*_SUBMITTED_COLUMNS, "reference"), prefix="submission_"
)
_INSERT_SUBMITTED_NUMBERED = prebuilt_insert(
    _SUBMISSIONS, _SUBMITTED_COLUMNS, prefix="submission_"
).values(reference=NUMBERED_IN_INSERT)
"""A complete intake's INSERT, built once: with its reference given, or taken from the
year's sequence by the INSERT itself (clinic.intake.references)."""


def submit_intake(
    *,
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    contact: Mapping[str, object] | None = None,
    sex: str | None = None,
    by: audit.Actor | None = None,
    action: str = SUBMITTED,
    via: str = "direct",
) -> uuid.UUID:
    """Store a complete intake (API, tests) with its routing outbox row and its one audit
    event (`action`, by `by` if a staff account sent it) in this transaction; its id.

    The three rows are one statement on PostgreSQL (clinic.models.row_inserts): no ORM
    object is made. `contact` is stored with the keys it has (`UnreadableDocument` if it
    is not one).
    """
    submission_id = uuid.uuid4()
    now = utcnow()
    ring = key_ring()
    document = AnswersDocument(subject_age=subject_age, sex=sex, answers=dict(answers))
    stored_contact = parse(ContactDocument, contact or {}, what="contact document").stored()
    values: dict[str, Any] = {
        "submission_id": submission_id,
        "submission_path": path,
        "submission_status": "submitted",
        "submission_definitions_version": definitions_version(),
        "submission_answers_encrypted": _encrypted(
            ring, document.stored(), "answers", submission_id
        ),
        "submission_contact_encrypted": _encrypted(ring, stored_contact, "contact", submission_id),
        "submission_created_at": now,
        "submission_updated_at": now,
        "submission_submitted_at": now,
        "submission_submitted_partial": False,
        "submission_submitted_via": via,
    }
    numbering = numbered_in_insert(now)
    if numbering is None:
        row = RowInsert(_INSERT_SUBMITTED, {**values, "submission_reference": next_reference(now)})
    else:
        row = RowInsert(_INSERT_SUBMITTED_NUMBERED, {**values, **numbering})
    event = _submitted_event(submission_id, path, partial=False, via=via, by=by, action=action)
    outbox.enqueue(TaskNames.ROUTE_SUBMISSION, submission_id, with_rows=[row, event])
    metrics.INTAKES_SUBMITTED.labels(path=path).inc()
    return submission_id


def _encrypted(ring: KeyRing, value: object, name: str, submission_id: uuid.UUID) -> str:
    """A document as the submission's `<name>_encrypted` column holds it (bound to the row)."""
    column = f"{name}_encrypted"
    return encrypt_json(ring, value, table=_SUBMISSIONS.name, column=column, row_id=submission_id)


def submit_draft(
    draft: IntakeSubmission, *, partial: bool, via: str, language: str | None = None
) -> IntakeSubmission:
    """Submit a draft as it stands (partial: the client left before the end).

    Answers that branching made irrelevant are dropped first (the client changed an
    earlier answer), so only what still counts is sent.
    """
    if draft.status != "draft":
        raise ValueError(f"submission {draft.id} is {draft.status}, not a draft")
    document = answers_of(draft)
    relevant = forms.relevant_answers(draft.path, document.subject_age, document.answers)
    draft.answers = document.with_answers(relevant).stored()
    contact = contact_of(draft)
    if language is not None and contact is not None:
        draft.contact = contact.merged(ContactDocument(language=language)).stored()
    _mark_submitted(draft, partial=partial, via=via)
    queue_submission_confirmation(draft)  # sent only by a channel the client marked safe
    return draft
