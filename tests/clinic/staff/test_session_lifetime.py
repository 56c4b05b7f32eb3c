"""A staff session ends STAFF_SESSION_LIFETIME after its sign-in, however recently it was
used; changing the password does not start the clock again."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")


def _signed_in_ago(client: FlaskClient, seconds: float) -> None:
    """Move the session's sign-in back; it was active a moment ago."""
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - seconds
        session["seen"] = time.time()


def test_the_default_lifetime_is_twelve_hours(app: Flask) -> None:
    assert app.config["STAFF_SESSION_LIFETIME"] == 12 * 3600


def test_an_active_session_ends_after_its_lifetime(app: Flask, client: FlaskClient) -> None:
    support.sign_in(client, support.staff())
    _signed_in_ago(client, 13 * 3600)
    response = client.get("/staff")
    assert response.status_code == 302 and response.location.startswith("/staff/login")
    page = client.get(response.location).get_data(as_text=True)
    assert "because you signed in 12 hours ago" in page
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.session_expired")
    ).one()
    assert event.detail == {"reason": "lifetime"}
    assert client.get("/staff").status_code == 302


def test_a_session_within_its_lifetime_goes_on(client: FlaskClient) -> None:
    support.sign_in(client, support.staff())
    _signed_in_ago(client, 11 * 3600)
    assert client.get("/staff").status_code == 200


def test_a_session_without_its_sign_in_time_has_ended(client: FlaskClient) -> None:
    support.sign_in(client, support.staff())
    with client.session_transaction() as session:
        del session["signed_in_at"]
    assert client.get("/staff").status_code == 302


def test_a_password_change_keeps_the_sign_in_time(client: FlaskClient) -> None:
    support.sign_in(client, support.staff())
    _signed_in_ago(client, 11 * 3600)
    with client.session_transaction() as session:
        started = session["signed_in_at"]
    token = csrf_token(client, "/staff/account/password")
    new = "violet kettle harbour 42"
    response = client.post(
        "/staff/account/password",
        data={
            "csrf_token": token,
            "current": factories.STAFF_PASSWORD,
            "new": new,
            "confirm": new,
        },
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["signed_in_at"] == started
