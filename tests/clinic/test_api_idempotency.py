"""`Idempotency-Key` on `POST /api/v1/intakes`: a retry returns the first result."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import ApiIdempotencyKey, AuditEvent, IntakeSubmission
from clinic.models.columns import utcnow
from tests import factories
from tests.support.openapi import conforming_client

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Every /api/v1 answer these tests get is checked against the OpenAPI description."""
    return conforming_client(app)


BODY = {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1}, "contact": {}}


def _token(email: str = "coordinator@example.org") -> str:
    token = create_token(factories.coordinator(email=email), "test")
    db.session.commit()
    return token


def _post(client: FlaskClient, token: str, body: Any, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/intakes", json=body, headers=headers)


def _intakes() -> int:
    return int(db.session.scalar(select(func.count()).select_from(IntakeSubmission)) or 0)


def test_a_retry_with_the_same_key_and_body_returns_the_first_result(
    client: FlaskClient, app: Flask
) -> None:
    token = _token()
    first = _post(client, token, BODY, "key-1")
    again = _post(client, token, dict(reversed(list(BODY.items()))), "key-1")  # same JSON

    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert _intakes() == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("api.intake_created") == 1
    assert actions.count("api.intake_create_replayed") == 1


def test_the_same_key_with_another_body_is_refused_with_the_json_error_shape(
    client: FlaskClient, app: Flask
) -> None:
    token = _token()
    assert _post(client, token, BODY, "key-1").status_code == 201
    other = _post(client, token, {**BODY, "subject_age": 31}, "key-1")

    assert other.status_code == 422
    assert "different request body" in other.json["error"]
    assert _intakes() == 1


def test_without_a_key_or_with_another_key_each_post_is_a_new_intake(
    client: FlaskClient, app: Flask
) -> None:
    token = _token()
    ids = {_post(client, token, BODY, key).json["id"] for key in (None, None, "key-1", "key-2")}
    assert len(ids) == 4


def test_keys_are_per_token(client: FlaskClient, app: Flask) -> None:
    first, second = _token("a@example.org"), _token("b@example.org")
    one = _post(client, first, BODY, "shared-key").json["id"]
    two = _post(client, second, BODY, "shared-key").json["id"]
    assert one != two


def test_the_key_is_stored_only_as_a_hash(client: FlaskClient, app: Flask) -> None:
    _post(client, _token(), BODY, "secret-key-value")
    row = db.session.scalars(select(ApiIdempotencyKey)).one()
    assert row.key_hash == hashlib.sha256(b"secret-key-value").hexdigest()
    assert "secret-key-value" not in (row.response_body + row.request_hash)


def test_a_key_older_than_24_hours_is_forgotten(client: FlaskClient, app: Flask) -> None:
    token = _token()
    first = _post(client, token, BODY, "key-1").json["id"]
    db.session.execute(
        update(ApiIdempotencyKey).values(created_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    db.session.commit()

    second = _post(client, token, {**BODY, "subject_age": 31}, "key-1")

    assert second.status_code == 201
    assert second.json["id"] != first


def test_an_invalid_intake_keeps_no_key_and_a_corrected_retry_goes_through(
    client: FlaskClient, app: Flask
) -> None:
    token = _token()
    assert _post(client, token, {**BODY, "subject_age": 15}, "key-1").status_code == 422
    assert db.session.scalars(select(ApiIdempotencyKey)).all() == []
    assert _post(client, token, BODY, "key-1").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_key_of_bad_length_is_422(client: FlaskClient, app: Flask, key: str) -> None:
    response = _post(client, _token(), BODY, key)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["error"]
    assert _intakes() == 0
