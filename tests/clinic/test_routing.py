"""record_routing: real scoring and decisions, written once, encrypted, with the staff alerts."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import (
    AuditEvent,
    IntakeSubmission,
    OutboxMessage,
    Referral,
    ReferralEvent,
    StaffAlert,
)
from clinic.routing.record import record_routing
from tests import factories
from tests.support.published import recording
from tests.support.statements import counting
from workers.tasks.routing import route_submission_task

pytestmark = pytest.mark.usefixtures("app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}  # gate yes, 5 of 5 symptoms


def _route(**intake: Any) -> IntakeSubmission:
    submission = factories.submitted_intake(**intake)
    db.session.commit()
    record_routing(str(submission.id))
    db.session.refresh(submission)
    return submission


def _referrals(submission: IntakeSubmission) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral).where(Referral.submission_id == submission.id).order_by(Referral.rank)
        )
    )


def _tasks_after_routing() -> list[tuple[str, str]]:
    """The outbox rows routing wrote: (task, target)."""
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind != TaskNames.ROUTE_SUBMISSION)
    )
    return [(row.kind, row.target_id) for row in rows]


def test_an_intake_with_no_indicators_goes_to_general_intake_as_routine(app: Flask) -> None:
    factories.staff_user()  # an intake coordinator: told of every referral
    submission = _route(answers={"safety.now": 1})

    [referral] = _referrals(submission)
    assert (referral.queue, referral.priority, referral.status) == ("intake", "routine", "new")
    assert referral.explanation["rule_ids"] == ["fallback-intake"]
    assert submission.status == "routed"
    assert submission.rules_version == app.extensions["routing_rules"].version
    assert submission.decision["priority"] == "routine"
    assert db.session.scalars(select(ReferralEvent.kind)).all() == ["created"]
    # The staff alerts were written with the referrals; one task sends them.
    assert _tasks_after_routing() == [(TaskNames.SEND_INTAKE_NOTIFICATIONS, str(submission.id))]
    assert db.session.scalars(select(StaffAlert.referral_id)).all() == [referral.id]
    route_rows = db.session.scalars(
        select(OutboxMessage.status).where(OutboxMessage.kind == TaskNames.ROUTE_SUBMISSION)
    )
    assert list(route_rows) == ["done"]


def test_suicide_risk_and_ptsd_route_to_dbt_then_emdr_with_priority(app: Flask) -> None:
    factories.staff_user()  # an intake coordinator: told of every referral
    submission = _route(answers={"safety.now": 1, "phq9.9": 2, **PTSD_POSITIVE})

    referrals = _referrals(submission)
    assert [(r.queue, r.priority) for r in referrals] == [("dbt", "priority"), ("emdr", "priority")]
    assert submission.scores["pcptsd5"]["total"] == 5
    assert "suicide_item" in submission.scores["phq9"]["flags"]
    assert referrals[1].explanation["sentence"].startswith("EMDR")
    assert _tasks_after_routing() == [(TaskNames.SEND_INTAKE_NOTIFICATIONS, str(submission.id))]
    alerts = db.session.scalars(select(StaffAlert.referral_id)).all()
    assert sorted(alerts) == sorted(r.id for r in referrals)


def test_not_safe_now_makes_every_referral_urgent(app: Flask) -> None:
    submission = _route(answers={"safety.now": 0})
    assert [(r.queue, r.priority) for r in _referrals(submission)] == [("intake", "urgent")]
    assert submission.decision["priority"] == "urgent"


def test_a_child_is_routed_by_age(app: Flask) -> None:
    submission = _route(path="caregiver_child", subject_age=6, answers={"child.2": 1})
    assert [r.queue for r in _referrals(submission)] == ["play", "family"]


def test_partner_risk_excludes_couples_and_is_flagged(app: Flask) -> None:
    answers = {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": None, "rship.5": 0}
    submission = _route(answers=answers)

    assert "couples" not in [r.queue for r in _referrals(submission)]
    assert submission.decision["flags"] == ["partner_safety"]
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "submission.routed")
    ).one()
    assert audit.detail["flags"] == ["partner_safety"]


def test_an_intake_that_cannot_be_scored_goes_to_review_and_is_not_lost(app: Flask) -> None:
    submission = _route(answers={"phq9.1": 9})

    [referral] = _referrals(submission)
    assert submission.status == "needs_review"
    assert (referral.queue, referral.priority) == ("intake", "priority")
    assert referral.explanation["rule_ids"] == ["routing-error"]
    assert submission.routing_error.startswith("ValueError")
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "submission.needs_review" in actions


def test_routing_twice_changes_nothing(app: Flask) -> None:
    factories.staff_user()  # an intake coordinator: told of every referral
    submission = _route(answers={"safety.now": 0})
    first = [r.id for r in _referrals(submission)]
    events = len(db.session.scalars(select(AuditEvent)).all())

    assert record_routing(str(submission.id)) == "routed"

    assert [r.id for r in _referrals(submission)] == first
    assert len(db.session.scalars(select(AuditEvent)).all()) == events
    assert len(_tasks_after_routing()) == 1


def test_unknown_submission_is_left_alone(app: Flask) -> None:
    assert record_routing("00000000-0000-0000-0000-000000000000") == "missing"
    assert db.session.scalars(select(Referral)).all() == []


def test_explanations_scores_and_decisions_are_ciphertext_in_the_database(app: Flask) -> None:
    submission = _route(answers={"safety.now": 1, **PTSD_POSITIVE})
    stored = db.session.execute(
        text(
            "SELECT s.scores_encrypted, s.decision_encrypted, r.explanation_encrypted "
            "FROM intake_submission s JOIN referral r ON r.submission_id = s.id"
        )
    ).first()
    assert stored is not None
    for value in stored:
        assert value.startswith("v1.")
        for plaintext in ("pcptsd5", "EMDR", "positive"):
            assert plaintext not in value
    assert submission.scores["pcptsd5"]["positive"] is True


@pytest.mark.usefixtures("worker_celery")
def test_routing_task_is_one_transaction_with_one_commit_and_one_task_after_it(
    app: Flask,
) -> None:
    """The referrals, their staff alerts and messages, and one send task: one commit;
    publishing that task after the commit writes nothing. On PostgreSQL, 11 statements:
    three reads, one flush, the audit event with the send's outbox row, the task done."""
    factories.staff_user()
    submission = factories.submitted_intake(answers={"safety.now": 1, "phq9.9": 2, **PTSD_POSITIVE})
    db.session.commit()
    submission_id = str(submission.id)
    db.session.expunge_all()  # the task starts with nothing loaded, as in a worker
    with recording() as sent, counting(db.engine) as seen:
        assert route_submission_task(submission_id) == "routed"
    assert seen.commits == 1
    if db.engine.dialect.name == "postgresql":
        assert seen.count == 11, "\n".join(statement[:70] for statement in seen.sent)
    assert sent == [
        (TaskNames.SEND_INTAKE_NOTIFICATIONS, str(row.id))
        for row in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == TaskNames.SEND_INTAKE_NOTIFICATIONS)
        )
    ]
    assert len(sent) == 1
