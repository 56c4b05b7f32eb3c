from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, IntakeSubmission, OutboxMessage
from tests.support.html import csrf_token
from workers.queues import TaskNames

FORM = {"path": "adult_self", "subject_age": "34", "safety_now": "0"}


def test_intake_page_asks_the_questions_and_is_never_cached(client: FlaskClient) -> None:
    response = client.get("/intake")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Who is this form for?" in page
    assert "Prefer not to answer" in page
    assert "Leave this site quickly" in page


def test_submit_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/intake", data=FORM)
    assert response.status_code == 400
    assert db.session.scalars(select(IntakeSubmission)).all() == []


def test_submit_stores_the_intake_and_its_outbox_row_together(client: FlaskClient) -> None:
    token = csrf_token(client, "/intake")
    response = client.post("/intake", data={**FORM, "csrf_token": token})

    assert response.status_code == 302
    assert response.location == "/intake/thanks"  # no answer in any URL
    submission = db.session.scalars(select(IntakeSubmission)).one()
    assert submission.status == "submitted"
    assert submission.answers == {"subject_age": 34, "answers": {"safety.now": 0}}
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.kind, message.target_id) == (TaskNames.ROUTE_SUBMISSION, str(submission.id))
    assert message.status == "published"  # the in-memory broker took it after commit
    audit = db.session.scalars(select(AuditEvent)).one()
    assert (audit.action, audit.actor_kind) == ("submission.submitted", "client")
    assert audit.detail == {"path": "adult_self"}


def test_prefer_not_to_answer_is_stored_as_none(client: FlaskClient) -> None:
    token = csrf_token(client, "/intake")
    client.post("/intake", data={**FORM, "safety_now": "prefer_not", "csrf_token": token})
    submission = db.session.scalars(select(IntakeSubmission)).one()
    assert submission.answers["answers"] == {"safety.now": None}


def test_missing_answers_are_shown_in_an_error_summary(client: FlaskClient) -> None:
    token = csrf_token(client, "/intake")
    response = client.post("/intake", data={"csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-summary"' in page
    assert '<a href="#path">Please choose who the form is for.</a>' in page
    assert db.session.scalars(select(IntakeSubmission)).all() == []


def test_thanks_page_repeats_crisis_resources(app: Flask, client: FlaskClient) -> None:
    page = client.get("/intake/thanks").get_data(as_text=True)
    assert "988" in page
