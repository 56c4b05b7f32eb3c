"""Where transactions end: a request commits below 400 and rolls back otherwise; a
`unit_of_work()` block commits or rolls back; any commit publishes its outbox rows.

After a request, the test rolls its own session back: what the request committed
stays, anything it left uncommitted goes.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import ApiToken, AuditEvent, IntakeSubmission, OutboxMessage
from clinic.models.unit_of_work import unit_of_work
from clinic.security import audit
from tests import factories
from tests.support.published import recording

pytestmark = pytest.mark.usefixtures("app_context")


def _token(role: str) -> dict[str, str]:
    user = factories.staff_user(role=role, email=f"{role}@example.org")
    token = create_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_response_below_400_commits_what_the_request_wrote(client: FlaskClient) -> None:
    headers = _token("intake_coordinator")
    body = {"path": "adult_self", "subject_age": 30, "answers": {}}
    assert client.post("/api/v1/intakes", json=body, headers=headers).status_code == 201
    db.session.rollback()
    assert db.session.scalars(select(IntakeSubmission.status)).all() == ["submitted"]
    assert db.session.scalars(select(ApiToken.last_used_at)).one() is not None


def test_a_4xx_response_keeps_nothing_the_request_wrote(client: FlaskClient) -> None:
    headers = _token("intake_coordinator")
    assert client.get("/api/v1/intakes/x", headers=headers).status_code == 404
    db.session.rollback()
    assert db.session.scalars(select(ApiToken.last_used_at)).one() is None


def test_a_refusal_that_says_so_keeps_its_audit_event(client: FlaskClient) -> None:
    headers = _token("clinician")
    assert client.get("/api/v1/intakes/x", headers=headers).status_code == 403
    db.session.rollback()
    assert _actions() == ["api.token_created", "api.forbidden"]


def test_a_request_that_fails_keeps_nothing(app: Flask, client: FlaskClient) -> None:
    def writes_then_fails() -> str:
        audit.record("test.written", actor_kind="system")
        db.session.flush()
        raise RuntimeError("the view failed after writing")

    app.add_url_rule("/fails", view_func=writes_then_fails)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/fails").status_code == 500
    db.session.rollback()
    assert _actions() == []


def test_a_unit_of_work_commits_when_it_ends_and_rolls_back_when_it_raises(app: Flask) -> None:
    with unit_of_work():
        audit.record("test.kept", actor_kind="system")
    with pytest.raises(RuntimeError), unit_of_work():
        audit.record("test.dropped", actor_kind="system")
        db.session.flush()
        raise RuntimeError("a step failed")
    db.session.rollback()
    assert _actions() == ["test.kept"]


def test_any_commit_publishes_the_outbox_rows_of_its_transaction_once(app: Flask) -> None:
    with recording() as sent:
        factories.submitted_intake()
        db.session.commit()
        message = db.session.scalars(select(OutboxMessage)).one()
        assert sent == [(message.kind, str(message.id))]
        db.session.commit()  # a later transaction wrote no rows: nothing is published again
    assert sent == [(message.kind, str(message.id))]
