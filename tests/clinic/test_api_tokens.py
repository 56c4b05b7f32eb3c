"""API tokens: explicit scopes checked on each endpoint against the owner's *current* role
and state, an expiry, a last-used time written at most once a minute, and revocation from
the command line and the console (owner or admin), audited; the secret is shown once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.scopes import FHIR_READABLE
from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import ApiToken, AuditEvent, StaffUser
from clinic.models.columns import utcnow
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

BODY = {"path": "adult_self", "subject_age": 30, "answers": {}, "contact": {}}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(client: FlaskClient, token: str) -> Any:
    return client.post("/api/v1/intakes", json=BODY, headers=_auth(token))


def _row(token_owner: StaffUser) -> ApiToken:
    db.session.expire_all()
    return db.session.scalars(
        select(ApiToken).where(ApiToken.staff_user_id == token_owner.id)
    ).one()


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_demoted_owners_old_token_loses_what_the_new_role_may_not_do(
    client: FlaskClient,
) -> None:
    user = support.staff("intake_coordinator")
    token = create_token(user, "phone intake")
    db.session.commit()
    assert _row(user).scopes == (
        "intakes:read",
        "intakes:write",
        "referrals:read",
        "referrals:write",
        *(f"system/{name}.read" for name in FHIR_READABLE),
        "system/Task.write",
    )
    assert _post(client, token).status_code == 201
    user.role = "clinician"
    db.session.commit()
    refused = _post(client, token)
    assert refused.status_code == 403
    assert refused.json["error"] == "the token owner's role no longer allows intakes:write"
    assert client.get("/api/v1/intakes/x", headers=_auth(token)).status_code == 403
    [first, _second] = _events("api.forbidden")
    assert first.actor_id == user.id and first.target_id == str(_row(user).id)
    assert first.detail == {"path": "/api/v1/intakes", "scope": "intakes:write"}
    user.is_enabled = False
    db.session.commit()
    assert _post(client, token).status_code == 401


def test_each_endpoint_needs_its_own_scope(client: FlaskClient) -> None:
    user = support.staff("intake_coordinator")
    token = create_token(user, "reader", ["intakes:read"])
    db.session.commit()
    refused = _post(client, token)
    assert refused.status_code == 403
    assert refused.json == {
        "error": "this token does not have the scope intakes:write",
        "scope": "intakes:write",
    }
    assert client.get("/api/v1/intakes/x", headers=_auth(token)).status_code == 404


def test_scopes_must_exist_and_be_allowed_for_the_role() -> None:
    clinician = support.staff("clinician", queues=("intake",))
    with pytest.raises(ValueError, match="unknown scope"):
        create_token(clinician, "x", ["system/Spaceship.write"])
    with pytest.raises(ValueError, match=r"does not allow intakes:write"):
        create_token(clinician, "x", ["intakes:write"])
    with pytest.raises(ValueError, match="at least one scope"):
        create_token(support.staff("admin"), "x")


def test_a_token_expires_after_the_configured_days(app: Flask, client: FlaskClient) -> None:
    assert app.config["API_TOKEN_EXPIRY_DAYS"] == 90
    user = support.staff("intake_coordinator")
    token = create_token(user, "default expiry")
    db.session.commit()
    row = _row(user)
    assert row.expires_at - row.created_at == pytest.approx(
        timedelta(days=90), abs=timedelta(minutes=1)
    )
    assert _post(client, token).status_code == 201
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _post(client, token).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client: FlaskClient) -> None:
    user = support.staff("intake_coordinator")
    token = create_token(user, "busy")
    db.session.commit()
    assert _row(user).last_used_at is None
    assert _post(client, token).status_code == 201
    first = _row(user).last_used_at
    assert first is not None
    assert _post(client, token).status_code == 201
    assert _row(user).last_used_at == first
    row = _row(user)
    row.last_used_at = first - timedelta(seconds=61)
    db.session.commit()
    assert _post(client, token).status_code == 201
    assert _row(user).last_used_at > first  # type: ignore[operator]


def test_the_commands_create_list_and_revoke_tokens(app: Flask, client: FlaskClient) -> None:
    user = support.staff("intake_coordinator")
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            *("staff", "token", "create", user.email, "--name", "kiosk"),
            *("--scope", "intakes:write", "--expires-days", "7"),
        ]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    row = _row(user)
    assert row.scopes == ("intakes:write",)
    assert row.expires_at - row.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(minutes=1)
    )
    listed = runner.invoke(args=["staff", "token", "list"])
    assert str(row.id) in listed.output and "[intakes:write]" in listed.output
    assert secret not in listed.output and row.token_hash not in listed.output
    refused = runner.invoke(
        args=[
            "staff",
            "token",
            "create",
            user.email,
            "--scope",
            "intakes:read",
            "--expires-days",
            "0",
        ]
    )
    assert refused.exit_code != 0
    assert _post(client, secret).status_code == 201
    revoked = runner.invoke(args=["staff", "token", "revoke", str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    assert _post(client, secret).status_code == 401
    assert runner.invoke(args=["staff", "token", "list"]).output.strip() == "No tokens."
    assert str(row.id) in runner.invoke(args=["staff", "token", "list", "--all"]).output
    assert [e.target_id for e in _events("api.token_revoked")] == [str(row.id)]


def _revoke(client: FlaskClient, row: ApiToken) -> Any:
    token = csrf_token(client, "/staff/tokens")
    return client.post(f"/staff/tokens/{row.id}/revoke", data={"csrf_token": token})


def test_the_owner_sees_and_revokes_their_own_tokens_in_the_console(
    app: Flask, client: FlaskClient
) -> None:
    owner = support.staff("intake_coordinator")
    other = support.staff("intake_coordinator")
    secret = create_token(owner, "phone intake")
    create_token(other, "someone else's")
    db.session.commit()
    support.sign_in(client, owner)
    page = client.get("/staff/tokens").get_data(as_text=True)
    row = _row(owner)
    assert "phone intake" in page and "someone else" not in page
    assert secret not in page and row.token_hash not in page
    assert _events("api.tokens_viewed")
    assert _revoke(client, _row(other)).status_code == 404
    assert _row(other).revoked_at is None
    assert _revoke(client, row).status_code == 302
    assert _post(app.test_client(), secret).status_code == 401
    [event] = _events("api.token_revoked")
    assert (event.actor_id, event.target_id) == (owner.id, str(row.id))


def test_an_admin_sees_and_revokes_everyones_tokens(app: Flask, client: FlaskClient) -> None:
    owner = support.staff("intake_coordinator")
    secret = create_token(owner, "phone intake")
    db.session.commit()
    admin = support.staff("admin")
    support.sign_in(client, admin)
    page = client.get("/staff/tokens").get_data(as_text=True)
    assert "phone intake" in page and owner.email in page and secret not in page
    assert _revoke(client, _row(owner)).status_code == 302
    assert _post(app.test_client(), secret).status_code == 401
    [event] = _events("api.token_revoked")
    assert event.actor_id == admin.id
