"""Submitting intakes: the submission and its routing outbox row, in one transaction.

Nothing here commits: the request (or task) commits at its boundary
(clinic.models.unit_of_work), and the routing task is published only after that commit,
once the submission is safely stored.
"""

from __future__ import annotations

from collections.abc import Mapping

import forms
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.intake.drafts import definitions_version
from clinic.intake.references import reference_for
from clinic.models import IntakeSubmission
from clinic.models.columns import utcnow
from clinic.models.documents import AnswersDocument, ContactDocument, answers_of, contact_of, parse
from clinic.notifications import queue_submission_confirmation
from clinic.observability import metrics
from clinic.security import audit


def _mark_submitted(
    submission: IntakeSubmission,
    *,
    partial: bool,
    via: str,
    by: audit.Actor | None = None,
    action: str = "submission.submitted",
) -> None:
    """Submitted, with its routing outbox row and its one audit event.

    `by`: the staff account that sent it (an API token's owner), recorded as the
    actor; otherwise the client (or the system, for a safety autosubmit).
    """
    submission.status = "submitted"
    submission.submitted_at = utcnow()
    submission.submitted_partial = partial
    submission.submitted_via = via
    submission.reference = reference_for(submission.submitted_at)
    submission.resume_code_hash = None
    submission.draft_expires_at = None
    submission.progress = None
    submission.support_pages = None
    outbox.enqueue(TaskNames.ROUTE_SUBMISSION, submission.id)
    metrics.INTAKES_SUBMITTED.labels(path=submission.path).inc()
    kind = None if by is not None else "system" if via == "safety_autosubmit" else "client"
    audit.record(
        action,
        target_type="submission",
        target_id=submission.id,
        actor=by,
        actor_kind=kind,
        detail={"path": submission.path, "partial": partial, "via": via},
    )


def submit_intake(
    *,
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    contact: Mapping[str, object] | None = None,
    sex: str | None = None,
    by: audit.Actor | None = None,
    action: str = "submission.submitted",
    via: str = "direct",
) -> IntakeSubmission:
    """Store a complete intake (API, tests) and its routing outbox row in this transaction.

    `contact` is stored with the keys it has (`UnreadableDocument` if it is not one).
    One audit event records it: `action`, by `by` if a staff account sent it.
    """
    document = AnswersDocument(subject_age=subject_age, sex=sex, answers=dict(answers))
    submission = IntakeSubmission(
        path=path,
        status="submitted",
        definitions_version=definitions_version(),
        answers=document.stored(),
        contact=parse(ContactDocument, contact or {}, what="contact document").stored(),
    )
    db.session.add(submission)
    _mark_submitted(submission, partial=False, via=via, by=by, action=action)
    return submission


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
