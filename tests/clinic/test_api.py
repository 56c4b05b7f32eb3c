"""The JSON intake API: bearer tokens, role scope, validation, the same pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.intake.services import submit_draft
from clinic.models import ApiToken, AuditEvent, IntakeSubmission
from clinic.routing.record import record_routing
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}


def _token(role: str = "intake_coordinator", **staff: Any) -> str:
    """A token made while its owner was an intake coordinator; the owner now has `role`."""
    user = factories.staff_user(email=f"{role}@example.org", **staff)
    token = create_token(user, "test")
    user.role = role
    db.session.commit()
    return token


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(client: FlaskClient, token: str, body: Any) -> Any:
    return client.post("/api/v1/intakes", json=body, headers=_auth(token))


def test_requests_without_a_valid_token_are_refused(client: FlaskClient, app: Flask) -> None:
    _token()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.post("/api/v1/intakes", json={}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_other_roles_are_forbidden_and_it_is_audited(
    client: FlaskClient, app: Flask, role: str
) -> None:
    token = _token(role)
    assert _post(client, token, {"path": "adult_self"}).status_code == 403
    assert client.get("/api/v1/intakes/x", headers=_auth(token)).status_code == 403
    assert "api.forbidden" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_disabled_account_token_stops_working(client: FlaskClient, app: Flask) -> None:
    token = _token()
    user = db.session.scalars(select(ApiToken)).one().staff_user
    user.is_enabled = False
    db.session.commit()
    assert _post(client, token, {}).status_code == 401


def test_tokens_are_stored_only_as_a_hash(app: Flask) -> None:
    token = _token()
    row = db.session.scalars(select(ApiToken)).one()
    assert token not in row.token_hash
    assert len(row.token_hash) == 64


def test_an_intake_posted_goes_through_the_same_pipeline(client: FlaskClient, app: Flask) -> None:
    token = _token()
    answers = {"safety.now": 1, "phq9.9": 1, **PTSD_POSITIVE}
    response = _post(
        client, token, {"path": "adult_self", "subject_age": 30, "answers": answers, "contact": {}}
    )
    assert response.status_code == 201
    submission_id = response.json["id"]
    assert response.headers["Location"] == f"/api/v1/intakes/{submission_id}"

    pending = client.get(f"/api/v1/intakes/{submission_id}", headers=_auth(token)).json
    assert (pending["status"], pending["referrals"]) == ("submitted", [])

    record_routing(submission_id)
    body = client.get(f"/api/v1/intakes/{submission_id}", headers=_auth(token)).json

    assert body["status"] == "routed"
    assert [(r["queue"], r["priority"]) for r in body["referrals"]] == [
        ("dbt", "priority"),
        ("emdr", "priority"),
    ]
    assert body["referrals"][1]["explanation"].startswith("EMDR: PC-PTSD-5 score 5")
    assert body["scores"]["pcptsd5"]["total"] == 5
    assert body["scores"]["phq9"]["flags"] == ["incomplete", "suicide_item"]
    assert body["priority"] == "priority"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"api.intake_created", "api.intake_viewed"} <= set(actions)


def test_the_decision_flags_are_reported(client: FlaskClient, app: Flask) -> None:
    token = _token()
    answers = {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 1, "rship.5": 0}
    response = _post(client, token, {"path": "adult_self", "subject_age": 40, "answers": answers})
    record_routing(response.json["id"])
    body = client.get(f"/api/v1/intakes/{response.json['id']}", headers=_auth(token)).json
    assert body["flags"] == ["partner_safety"]
    assert [r["queue"] for r in body["referrals"]] == ["intake"]


def test_every_flag_of_the_stored_decision_is_reported(client: FlaskClient, app: Flask) -> None:
    token = _token()
    flags = ["alcohol_use", "cptsd", "partner_safety", "safeguarding", "safety_unknown"]
    flags.append("severe_symptoms")
    submission = support.decided(factories.submitted_intake(), flags, "clinic-local-7")
    support.referral("intake", submission=submission)

    body = client.get(f"/api/v1/intakes/{submission.id}", headers=_auth(token)).json

    assert body["flags"] == flags
    assert body["rules_version"] == "clinic-local-7"


def test_a_path_that_does_not_fit_the_age_is_422(client: FlaskClient, app: Flask) -> None:
    response = _post(client, _token(), {"path": "adult_self", "subject_age": 15, "answers": {}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["subject_age"]
    assert db.session.scalars(select(IntakeSubmission)).all() == []


def test_each_bad_answer_is_named(client: FlaskClient, app: Flask) -> None:
    answers = {"phq9.1": 7, "gad7.2": None, "gad7.3": True, "nope.1": 1, "safety.now": 1}
    response = _post(
        client, _token(), {"path": "adult_self", "subject_age": 30, "answers": answers}
    )
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json["errors"]) == ["gad7.3", "nope.1", "phq9.1"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ([], [""]),
        ({"subject_age": 30}, ["path"]),
        ({"path": "adult_self", "subject_age": "30"}, ["subject_age"]),
        ({"path": "adult_self", "subject_age": 30, "answers": []}, ["answers"]),
    ],
)
def test_malformed_bodies_are_422(
    client: FlaskClient, app: Flask, body: Any, fields: list[str]
) -> None:
    response = _post(client, _token(), body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == fields


def test_a_contact_document_of_the_wrong_shape_is_422_and_not_stored(
    client: FlaskClient, app: Flask
) -> None:
    contact = {
        "email": "client@example.org",
        "channels": {"email": {"allowed": "yes"}},
        "safe_times": "weekends",
    }
    body = {"path": "adult_self", "subject_age": 30, "answers": {}, "contact": contact}

    response = _post(client, _token(), body)

    assert response.status_code == 422
    fields = [e["field"] for e in response.json["errors"]]
    assert fields == ["contact.channels", "contact.safe_times"]
    assert "yes" not in response.get_data(as_text=True)
    assert db.session.scalars(select(IntakeSubmission)).all() == []


def test_unknown_intakes_are_404(client: FlaskClient, app: Flask) -> None:
    token = _token()
    for key in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert client.get(f"/api/v1/intakes/{key}", headers=_auth(token)).status_code == 404


def test_flask_staff_token_create_prints_a_working_token(client: FlaskClient, app: Flask) -> None:
    factories.staff_user()
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["staff", "token", "create", "coordinator@example.org", "--name", "kiosk"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/intakes/not-a-uuid", headers=_auth(token))
    assert response.status_code == 404
    missing = app.test_cli_runner().invoke(args=["staff", "token", "create", "x@example.org"])
    assert missing.exit_code != 0
    assert "no active staff account" in missing.output


def test_a_submit_writes_one_audit_event_with_what_both_recorded(
    client: FlaskClient, app: Flask
) -> None:
    token = _token()
    owner = db.session.scalars(select(ApiToken)).one().staff_user_id
    response = _post(client, token, {"path": "adult_self", "subject_age": 30, "answers": {}})
    assert response.status_code == 201
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == response.json["id"])
    ).all()
    assert (event.action, event.actor_id, event.actor_kind) == (
        "api.intake_created",
        owner,
        "staff",
    )
    assert (event.target_type, event.ip) == ("submission", "127.0.0.1")
    assert event.detail == {"path": "adult_self", "partial": False, "via": "api"}


def test_a_partial_intake_says_so_and_whether_the_client_left_at_the_crisis_page(
    client: FlaskClient, app: Flask
) -> None:
    token = _token()
    left = submit_draft(factories.draft(), partial=True, via="safety_page")
    whole = factories.submitted_intake()
    db.session.commit()

    body = client.get(f"/api/v1/intakes/{left.id}", headers=_auth(token)).json
    assert (body["partial"], body["left_at_crisis_page"]) == (True, True)
    assert body["reference"] == left.reference and body["reference"].startswith("INT-")
    body = client.get(f"/api/v1/intakes/{whole.id}", headers=_auth(token)).json
    assert (body["partial"], body["left_at_crisis_page"]) == (False, False)


def test_api_responses_are_never_cached(client: FlaskClient, app: Flask) -> None:
    token = _token()
    refused = client.post("/api/v1/intakes", json={})
    answered = _post(client, token, {})
    for response in (refused, answered):
        assert response.headers["Cache-Control"] == "no-store"
