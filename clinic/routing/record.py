"""Routing a submitted intake: score it, decide its referrals, and record them, once.

Runs in the routing worker, and the task commits. Everything is written in one
transaction: the referrals with their explanations, the encrypted scores and
decision, the decision's flags as plain `submission_flag` rows (for the
dashboard's filter), the submission's new status, an audit event, the staff
alerts of the new referrals with their messages (and an urgent intake's on-call
page), and one outbox row for the `notifications.send_intake` task that sends
them all after the commit. An intake takes two tasks: this one and that send.
It reads what it needs first (the submission, the staff to alert, the intake's
on-call page) and writes everything in one flush, then the audit event with the
send's outbox row in one statement (before it marks its own outbox row done).
A submission that cannot be scored or decided is never dropped: it goes to
general intake review as `needs_review`, with the reason recorded for staff; so
does one whose routing kept failing (the database away) for longer than the
task's retry budget (`record_routing_failure`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping

from flask import current_app
from sqlalchemy import delete, select

import forms
from clinic import notifications
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import Client, IntakeSubmission, Referral, ReferralEvent, SubmissionFlag
from clinic.models.columns import utcnow
from clinic.models.documents import AnswersDocument, DecisionDocument, Explanation, answers_of
from clinic.observability import metrics
from clinic.security import audit
from referrals import Decision, RuleSet, decide_intake

log = logging.getLogger(__name__)

ROUTING_ERROR_RULE = "routing-error"
ROUTING_FAILED_RULE = "routing-failed"
NEEDS_REVIEW_PRIORITY = "priority"  # safer than routine when the answers could not be read


def score_and_decide(
    path: str, answers_document: AnswersDocument, rules: RuleSet
) -> tuple[dict[str, forms.Score], Decision]:
    """Score every instrument the flow asked (after branching) and decide (pure).

    The stored answers are checked once, not per instrument (`forms.score_intake`);
    one that is not a known answer raises ValueError (the intake goes to review).
    """
    age = answers_document.subject_age
    scored = forms.score_intake(
        path, age, answers_document.answers, context={"sex": answers_document.sex}
    )
    return scored.scores, decide_intake(scored.relevant, scored.scores, age, rules)


def record_routing(submission_id: str) -> str:
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
        try:
            scores, decision = score_and_decide(
                submission.path, answers_of(submission), current_app.extensions["routing_rules"]
            )
            document = DecisionDocument.of(decision)
        except Exception as exc:  # any reason it cannot be decided: a person reviews it
            _record_needs_review(submission, exc)
        else:
            _record_decision(submission, scores, decision, document)
        log.info("submission %s: %s", submission_id, submission.status)
        _count_routed(submission)
    outbox.mark_done(TaskNames.ROUTE_SUBMISSION, submission_id)  # flushes what routing wrote
    return submission.status


def record_routing_failure(submission_id: str, error: str) -> str:
    """Routing kept failing past its retry budget: send the intake to intake review.

    One `intake` referral, status `needs_review`, priority `priority` — as for an
    intake that cannot be scored — so a person reads it rather than it staying
    unrouted. `error` names the failure (an exception's class name, never data).
    A submission routed meanwhile is left as it is.
    """
    submission = db.session.scalars(
        select(IntakeSubmission)
        .where(IntakeSubmission.id == uuid.UUID(submission_id))
        .with_for_update()
    ).one_or_none()
    if submission is None:
        return "missing"
    if submission.status == "submitted":
        log.error("submission %s: routing failed (%s); sent to intake review", submission.id, error)
        metrics.ROUTING_FAILURES.labels(reason="gave_up").inc()
        sentence = (
            f"Intake review: automatic routing failed ({error}) and kept failing; "
            "a person must review this intake and choose its referrals."
        )
        _record_review(submission, f"routing failed: {error}", ROUTING_FAILED_RULE, sentence)
    outbox.mark_done(TaskNames.ROUTE_SUBMISSION, submission_id)
    return submission.status


def _give_a_client_record(submission: IntakeSubmission) -> None:
    """Each routed intake belongs to a pseudonymous client record (`clinic.intake.clients`),
    made here, in routing's transaction, rather than on the submit's path (`_finish`)."""
    if submission.client_id is None:
        submission.client = Client(id=uuid.uuid4())


def _count_routed(submission: IntakeSubmission) -> None:
    metrics.INTAKES_ROUTED.labels(path=submission.path, status=submission.status).inc()
    if submission.submitted_at is not None:
        waited = (utcnow() - submission.submitted_at).total_seconds()
        metrics.SUBMIT_TO_ROUTED.observe(max(0.0, waited))
    if submission.status == "needs_review":
        metrics.ROUTING_FAILURES.labels(reason="needs_review").inc()


def _record_decision(
    submission: IntakeSubmission,
    scores: Mapping[str, forms.Score],
    decision: Decision,
    document: DecisionDocument,
) -> None:
    db.session.add_all(_flag_rows(submission, decision.flags))  # a submitted intake has none
    referrals = [
        _add_referral(
            submission,
            rank,
            queue=item.queue,
            priority=str(item.priority),
            explanation=Explanation(**reasons.stored(), sentence=item.sentence()),
        )
        for rank, (item, reasons) in enumerate(
            zip(decision.referrals, document.referrals, strict=True)
        )
    ]
    submission.scores = {name: score.as_dict() for name, score in scores.items()}
    submission.decision = document.stored()
    submission.rules_version = decision.rules_version
    for item in decision.referrals:
        metrics.ROUTING_DECISIONS.labels(queue=item.queue, priority=str(item.priority)).inc()
    _finish(submission, "routed", referrals, flags=sorted(decision.flags))


def store_flags(submission: IntakeSubmission, flags: Iterable[str]) -> None:
    """Make the submission's `submission_flag` rows exactly these flags (ids only)."""
    db.session.execute(delete(SubmissionFlag).where(SubmissionFlag.submission_id == submission.id))
    db.session.add_all(_flag_rows(submission, flags))


def _flag_rows(submission: IntakeSubmission, flags: Iterable[str]) -> list[SubmissionFlag]:
    return [SubmissionFlag(submission_id=submission.id, flag=flag) for flag in sorted(set(flags))]


def _record_needs_review(submission: IntakeSubmission, exc: Exception) -> None:
    log.warning("submission %s needs review: %s", submission.id, type(exc).__name__)
    sentence = (
        "Intake review: automatic routing could not read this intake "
        f"({type(exc).__name__}); please review the answers."
    )
    _record_review(submission, f"{type(exc).__name__}: {exc}", ROUTING_ERROR_RULE, sentence)


def _record_review(submission: IntakeSubmission, reason: str, rule_id: str, sentence: str) -> None:
    """One `intake` referral for a person to review, and the submission `needs_review`."""
    referral = _add_referral(
        submission,
        0,
        queue="intake",
        priority=NEEDS_REVIEW_PRIORITY,
        explanation=Explanation(rule_ids=[rule_id], facts={}, sentence=sentence),
    )
    submission.routing_error = reason[:500]
    _finish(submission, "needs_review", [referral], flags=[])


def _add_referral(
    submission: IntakeSubmission,
    rank: int,
    *,
    queue: str,
    priority: str,
    explanation: Explanation,
) -> Referral:
    referral = Referral(
        submission_id=submission.id,
        queue=queue,
        rank=rank,
        priority=priority,
        status="new",
        explanation=explanation.stored(),
    )
    db.session.add(referral)
    db.session.add(ReferralEvent(referral_id=referral.id, kind="created", to_status="new"))
    return referral


def _finish(
    submission: IntakeSubmission, status: str, referrals: list[Referral], flags: list[str]
) -> None:
    _give_a_client_record(submission)
    submission.status = status
    submission.routed_at = utcnow()
    event = audit.event_row(
        f"submission.{status}",
        target_type="submission",
        target_id=submission.id,
        actor_kind="system",
        detail={
            "referrals": [str(r.id) for r in referrals],
            "queues": [r.queue for r in referrals],
            "priority": referrals[0].priority,
            "flags": flags,
        },
    )
    with notifications.one_task_for(submission.id, with_rows=[event]):
        notifications.queue_staff_alerts(referrals)
