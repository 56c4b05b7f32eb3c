"""The `submission_flag` rows: written with the decision, replaced not duplicated, and
backfilled from stored decisions by `flask routing backfill-flags`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from clinic.extensions import db
from clinic.models import AuditEvent, IntakeSubmission, SubmissionFlag
from clinic.routing.record import record_routing, store_flags
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

PARTNER_RISK = {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 1, "rship.5": 0}


def _route(**intake: Any) -> IntakeSubmission:
    submission = factories.submitted_intake(**intake)
    db.session.commit()
    record_routing(str(submission.id))
    db.session.refresh(submission)
    return submission


def _rows(submission: IntakeSubmission | uuid.UUID) -> list[str]:
    key = submission if isinstance(submission, uuid.UUID) else submission.id
    return sorted(
        db.session.scalars(select(SubmissionFlag.flag).where(SubmissionFlag.submission_id == key))
    )


def test_routing_writes_the_decision_flags_as_rows(app: Flask) -> None:
    flagged = _route(answers=PARTNER_RISK)
    plain = _route(answers={"safety.now": 1})

    assert _rows(flagged) == flagged.decision["flags"] == ["partner_safety"]
    assert _rows(plain) == plain.decision["flags"] == []


def test_the_rows_are_the_flags_policy_version_2_raises(app: Flask) -> None:
    adult = _route(answers=support.EVERY_ADULT_FLAG)
    teen = _route(path="teen_self", subject_age=15, answers={"safety.now": 1, "cats_7_17.e4": 1})

    assert _rows(adult) == adult.decision["flags"]
    assert set(_rows(adult)) == {
        "safety_unknown",
        "partner_safety",
        "severe_symptoms",
        "alcohol_use",
        "cptsd",
    }
    assert _rows(teen) == teen.decision["flags"] == ["safeguarding"]


def test_an_intake_routing_could_not_read_has_no_flag_rows(app: Flask) -> None:
    submission = _route(answers={"phq9.1": 9})
    assert submission.status == "needs_review" and _rows(submission) == []


def test_storing_flags_again_replaces_them(app: Flask) -> None:
    submission = factories.submitted_intake()
    store_flags(submission, ["cptsd", "alcohol_use", "cptsd"])
    db.session.flush()
    store_flags(submission, ["safety_unknown"])
    db.session.flush()
    assert _rows(submission) == ["safety_unknown"]


def test_backfill_writes_rows_from_the_stored_decisions_and_can_be_repeated(app: Flask) -> None:
    flagged = _route(answers=PARTNER_RISK).id
    plain = _route(answers={"safety.now": 1}).id
    db.session.execute(delete(SubmissionFlag))  # as before the table existed
    db.session.commit()
    runner = app.test_cli_runner()

    for _ in range(2):
        result = runner.invoke(args=["routing", "backfill-flags"])
        assert result.exit_code == 0, result.output
        assert result.output == "Flag rows written for 2 routed intake(s); 1 carry a flag.\n"
        assert _rows(flagged) == ["partner_safety"] and _rows(plain) == []

    stored = db.session.get(IntakeSubmission, flagged)
    assert stored is not None and stored.decision["flags"] == ["partner_safety"]  # untouched
    assert stored.rules_version == app.extensions["routing_rules"].version
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "routing.flags_backfilled")
    ).all()
    assert [e.detail for e in events] == [{"intakes": 2, "flagged": 1}] * 2
