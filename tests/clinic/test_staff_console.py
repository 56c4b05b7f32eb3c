from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic import outbox
from clinic.extensions import db
from clinic.models import AuditEvent
from clinic.passwords import verify_password
from tests import factories
from tests.support.html import csrf_token
from workers.tasks.routing import route_submission


def _sign_in(client: FlaskClient, email: str, password: str, next_url: str = "") -> str:
    url = "/staff/login" + (f"?next={next_url}" if next_url else "")
    token = csrf_token(client, url)
    response = client.post(url, data={"email": email, "password": password, "csrf_token": token})
    return response.location or response.get_data(as_text=True)


def test_queues_need_sign_in(client: FlaskClient) -> None:
    response = client.get("/staff")
    assert response.status_code == 302
    assert response.location.startswith("/staff/login")


def test_passwords_are_stored_as_argon2id(app: Flask) -> None:
    user = factories.staff_user()
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, factories.STAFF_PASSWORD)


def test_short_passwords_are_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="at least 12 characters"):
        factories.staff_user(password="short")


def test_wrong_password_gives_a_generic_message_and_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    factories.staff_user()
    db.session.commit()
    for email in ("coordinator@example.org", "nobody@example.org"):
        page = _sign_in(client, email, "wrong password!!")
        assert "That email and password do not match an active account." in page
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("staff.sign_in_failed") == 2


def test_coordinator_sees_a_routed_intake_in_the_queue(app: Flask, client: FlaskClient) -> None:
    factories.staff_user()
    submission = factories.submitted_intake()
    outbox.commit()
    route_submission(str(submission.id))

    assert _sign_in(client, "coordinator@example.org", factories.STAFF_PASSWORD) == "/staff"
    page = client.get("/staff").get_data(as_text=True)

    assert "<td>intake</td>" in page
    assert "<td>routine</td>" in page
    assert "client@example.org" not in page
    assert "staff.queue_list_viewed" in db.session.scalars(select(AuditEvent.action)).all()


def test_clinician_sees_only_their_queues(app: Flask, client: FlaskClient) -> None:
    factories.staff_user(email="emdr@example.org", role="clinician", queues=["emdr"])
    submission = factories.submitted_intake()
    outbox.commit()
    route_submission(str(submission.id))

    _sign_in(client, "emdr@example.org", factories.STAFF_PASSWORD)
    page = client.get("/staff").get_data(as_text=True)

    assert "<td>intake</td>" not in page
    assert "No referrals are waiting." in page


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "https:evil.example", "https://evil.example/staff"],
)
def test_sign_in_never_redirects_off_site(app: Flask, client: FlaskClient, target: str) -> None:
    factories.staff_user()
    db.session.commit()
    assert _sign_in(client, "coordinator@example.org", factories.STAFF_PASSWORD, target) == "/staff"


def test_sign_out_is_a_post_and_ends_the_session(app: Flask, client: FlaskClient) -> None:
    factories.staff_user()
    db.session.commit()
    _sign_in(client, "coordinator@example.org", factories.STAFF_PASSWORD)
    assert client.get("/staff/logout").status_code == 405
    token = csrf_token(client, "/staff")
    client.post("/staff/logout", data={"csrf_token": token})
    assert client.get("/staff").status_code == 302
