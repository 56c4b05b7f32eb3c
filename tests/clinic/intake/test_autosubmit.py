"""When a quiet draft at risk is sent (the drafts sweep, with explicit times), and what the
safety page tells the client about it: acute after 15 minutes, suicide risk after 60."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.intake.sweep import submit_quiet_drafts_after_safety_page
from clinic.models import AuditEvent, IntakeSubmission
from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker, page_forms

pytestmark = pytest.mark.usefixtures("app_context")


def _acute_draft(walker: IntakeWalker) -> IntakeSubmission:
    walker.start("adult_self", 30)
    walker.walk_to("safety")
    walker.answer({"safety.now": 0})
    assert walker.path == "/intake/support"
    return only_submission()


def _suicide_risk_draft(walker: IntakeWalker) -> IntakeSubmission:
    walker.start("adult_self", 30)
    walker.walk_to("phq9")
    walker.note()
    walker.answer({"phq9.9": 2})
    assert walker.path == "/intake/support"
    return only_submission()


def _updated_at(draft: IntakeSubmission) -> datetime:
    db.session.expire_all()
    return db.session.get(IntakeSubmission, draft.id).updated_at  # type: ignore[union-attr]


def _sweep_at(now: datetime) -> int:
    return submit_quiet_drafts_after_safety_page(now=now)


def test_an_acute_draft_is_sent_after_15_quiet_minutes_not_14(walker: IntakeWalker) -> None:
    draft = _acute_draft(walker)
    last_saved = _updated_at(draft)

    assert _sweep_at(last_saved + timedelta(minutes=14)) == 0
    assert only_submission().status == "draft"
    assert _sweep_at(last_saved + timedelta(minutes=15)) == 1
    submission = only_submission()
    assert (submission.status, submission.submitted_partial) == ("submitted", True)
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "submission.submitted")
    ).one()
    assert audit.detail["via"] == "safety_autosubmit"


def test_a_suicide_risk_draft_is_sent_after_60_quiet_minutes_not_59(walker: IntakeWalker) -> None:
    draft = _suicide_risk_draft(walker)
    last_saved = _updated_at(draft)

    assert _sweep_at(last_saved + timedelta(minutes=15)) == 0
    assert _sweep_at(last_saved + timedelta(minutes=59)) == 0
    assert only_submission().status == "draft"
    assert _sweep_at(last_saved + timedelta(minutes=60)) == 1
    assert only_submission().status == "submitted"


def test_a_draft_with_neither_is_never_sent_by_the_sweep(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("phq9")
    draft = only_submission()
    last_saved = _updated_at(draft)

    for quiet in (timedelta(minutes=15), timedelta(minutes=60), timedelta(days=13)):
        assert _sweep_at(last_saved + quiet) == 0
    assert only_submission().status == "draft"


def test_the_minutes_come_from_the_clinic_settings(app: Flask, walker: IntakeWalker) -> None:
    settings = app.extensions["clinic_settings"]
    app.extensions["clinic_settings"] = dataclasses.replace(
        settings, acute_autosubmit_minutes=5, suicide_risk_autosubmit_minutes=30
    )
    draft = _acute_draft(walker)
    assert "after 5 minutes" in walker.html
    last_saved = _updated_at(draft)
    assert _sweep_at(last_saved + timedelta(minutes=4)) == 0
    assert _sweep_at(last_saved + timedelta(minutes=5)) == 1


def test_the_support_page_says_when_the_answers_are_sent(walker: IntakeWalker) -> None:
    _acute_draft(walker)
    page = walker.html
    assert "we will still send what you have answered so far to our team straight away" in page
    assert "or simply stop answering, we will send what you have answered so far to our team " in (
        page
    )
    assert "after 15 minutes, so that they can reach out to you soon." in page

    form = next(f for f in page_forms(walker.html) if f.action == "/intake/language")
    walker.post(form.action, {**form.hidden, "language": "es"})
    assert "enviaremos de inmediato a nuestro equipo" in walker.html
    assert "al cabo de 15 minutos, para que pueda comunicarse con usted pronto." in walker.html


def test_the_support_page_after_a_suicide_risk_answer_gives_60_minutes(
    walker: IntakeWalker,
) -> None:
    _suicide_risk_draft(walker)
    page = walker.html
    assert "to our team straight away" not in page
    assert "after 60 minutes, so that they can reach out to you." in page


def test_saving_to_come_back_later_gives_the_same_minutes(walker: IntakeWalker) -> None:
    _acute_draft(walker)
    walker.get("/intake/saved")
    assert "if you do not come back within 15 minutes, we will send" in walker.html

    other = IntakeWalker(walker.client.application.test_client())
    other.start("adult_self", 30)
    other.walk_to("phq9")
    other.note()
    other.answer({"phq9.9": 1})
    other.get("/intake/saved")
    assert "if you do not come back within 60 minutes, we will send" in other.html
