"""Assessing a sent re-screen in the routing worker, once.

Runs as `rescreen.assess` (queue `routing`). In one transaction, under a lock on the
re-screen: score what was asked (`forms`), compare it with the client's totals before
(their last assessed re-screen, else their intake) with `referrals.assess_rescreen`,
store the scores and the assessment encrypted, and for each referral of the client
still waiting:

- raise its priority where the assessment asks for more (never lower it): a referral
  event `priority` with the finding codes (the sentences are in the encrypted
  assessment, shown to staff on the referral page, as routing's explanations are);
- otherwise a referral event `rescreen`, so staff see every re-screen in the history;
- set `worse_since` when the client is worse while waiting (kept if already set).

Acute risk pages on-call as an urgent intake does, once per re-screen. Running it twice
changes nothing: a re-screen already assessed is left as it is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import select

import forms
import referrals
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import (
    IntakeSubmission,
    Referral,
    ReferralEvent,
    Rescreen,
    StaffAlert,
)
from clinic.models.columns import utcnow
from clinic.models.documents import (
    AnswersDocument,
    ReferralEventDetail,
    UnreadableDocument,
    answers_of,
    parse,
)
from clinic.notifications import on_call
from clinic.rescreen.invitations import WAITING
from clinic.security import audit
from referrals.rescreen import Direction, RescreenAssessment, assess_rescreen
from referrals.ruleset import Priority

log = logging.getLogger(__name__)


def assess_rescreen_once(rescreen_id: str) -> str:
    """Assess one sent re-screen (see the module docstring); returns its status."""
    rescreen = db.session.scalars(
        select(Rescreen).where(Rescreen.id == uuid.UUID(rescreen_id)).with_for_update()
    ).one_or_none()
    if rescreen is None:
        log.warning("re-screen %s not found; nothing to assess", rescreen_id)
        return "missing"
    if rescreen.status == "submitted":
        _assess(rescreen)
    outbox.mark_done(TaskNames.ASSESS_RESCREEN, rescreen_id)
    return rescreen.status


def _scores(document: AnswersDocument) -> dict[str, forms.Score]:
    context = {"subject_age": document.subject_age, "sex": document.sex}
    asked = {item.partition(".")[0] for item in document.answers}
    instruments = [name for name in forms.INSTRUMENT_IDS if name in asked]
    return {name: forms.score(name, document.answers, context=context) for name in instruments}


def _before(rescreen: Rescreen) -> tuple[dict[str, int | None], frozenset[str]]:
    """The client's totals before, and the safety facts then: their last assessed
    re-screen, else their latest intake."""
    previous = db.session.scalars(
        select(Rescreen)
        .where(
            Rescreen.client_id == rescreen.client_id,
            Rescreen.status == "assessed",
            Rescreen.id != rescreen.id,
        )
        .order_by(Rescreen.submitted_at.desc())
        .limit(1)
    ).first()
    if previous is not None and previous.scores is not None:
        scores: Mapping[str, object] = previous.scores
        answers = parse(AnswersDocument, previous.answers, what="re-screen answers")
    else:
        submission = db.session.get(IntakeSubmission, rescreen.submission_id)
        assert submission is not None
        scores = submission.scores or {}
        try:
            answers = answers_of(submission)
        except UnreadableDocument:
            answers = AnswersDocument(subject_age=0)
    totals = {
        name: value.get("total") if isinstance(value, Mapping) else None
        for name, value in scores.items()
    }
    check = referrals.safety_check(answers.answers, answers.subject_age or None)
    facts = frozenset(
        name
        for name, fact in (("suicide_risk", check.suicide_risk), ("acute", check.acute))
        if fact.value
    )
    return {k: v if isinstance(v, int) else None for k, v in totals.items()}, facts


def findings(assessment: RescreenAssessment, answers: AnswersDocument) -> list[str]:
    """The assessment as codes, for events and the audit log (never a score)."""
    check = referrals.safety_check(answers.answers, answers.subject_age)
    codes = [
        name
        for name, fact in (("acute", check.acute), ("suicide_risk", check.suicide_risk))
        if fact.value
    ]
    for change in assessment.changes:
        if change.direction is not Direction.NO_RELIABLE_CHANGE:
            codes.append(f"{change.direction}:{change.instrument}")
        if change.remission:
            codes.append(f"remission:{change.instrument}")
    return codes


def waiting_referrals(client_id: uuid.UUID) -> Sequence[Referral]:
    return db.session.scalars(
        select(Referral)
        .join(IntakeSubmission, Referral.submission_id == IntakeSubmission.id)
        .where(IntakeSubmission.client_id == client_id, Referral.status.in_(WAITING))
        .order_by(Referral.created_at, Referral.rank)
        .with_for_update(of=Referral)
    ).all()


def _assess(rescreen: Rescreen) -> None:
    document = parse(AnswersDocument, rescreen.answers, what="re-screen answers")
    scores = _scores(document)
    before, facts_before = _before(rescreen)
    assessment = assess_rescreen(
        before, document.answers, scores, document.subject_age, facts_before=facts_before
    )
    codes = findings(assessment, document)
    rescreen.scores = {name: score.as_dict() for name, score in scores.items()}
    rescreen.assessment = {**assessment.as_dict(), "findings": codes}
    rescreen.status = "assessed"
    rescreen.assessed_at = utcnow()
    changed = [
        str(referral.id)
        for referral in waiting_referrals(rescreen.client_id)
        if _apply(referral, rescreen, assessment, codes)
    ]
    audit.record(
        "rescreen.assessed",
        target_type="client",
        target_id=rescreen.client_id,
        actor_kind="system",
        detail={
            "rescreen": str(rescreen.id),
            "priority": str(assessment.priority) if assessment.priority else None,
            "raised": changed,
            "findings": codes,
            "rules_version": assessment.rules_version,
        },
    )


def _apply(
    referral: Referral, rescreen: Rescreen, assessment: RescreenAssessment, codes: list[str]
) -> bool:
    """Raise (never lower) the referral's priority as the assessment asks; True if raised."""
    wanted = assessment.priority
    before = Priority(referral.priority)
    raised = wanted is not None and wanted.rank > before.rank
    detail = ReferralEventDetail(rescreen_id=str(rescreen.id), findings=codes)
    if raised:
        assert wanted is not None
        referral.priority = str(wanted)
        detail = detail.merged(
            ReferralEventDetail(priority_from=str(before), priority_to=str(wanted))
        )
    if assessment.worse and referral.worse_since is None:
        referral.worse_since = rescreen.submitted_at or utcnow()
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            kind="priority" if raised else "rescreen",
            from_status=referral.status,
            to_status=referral.status,
            detail=detail.stored(),
        )
    )
    if wanted is Priority.URGENT:
        alert = db.session.scalars(
            select(StaffAlert).where(StaffAlert.referral_id == referral.id)
        ).first()
        on_call.page_for_rescreen(referral.submission_id, rescreen.id, alert)
    return raised
