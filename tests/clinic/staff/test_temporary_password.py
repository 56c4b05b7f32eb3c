"""An admin sets a temporary password for someone who forgot theirs; they must change it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from clinic.extensions import db
from clinic.models import AuditEvent, StaffUser
from clinic.models.columns import utcnow
from clinic.security.password_policy import check_password
from clinic.security.passwords import verify_password
from clinic.staff import services
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

NEW_PASSWORD = "violet kettle harbour 42"
GENERATED = re.compile(r"^[a-hjkmnp-z2-9]{5}(-[a-hjkmnp-z2-9]{5}){3}$")
"""Four groups of five, without the look-alikes 0/o, 1/l/i."""


def _set_by_admin(client: FlaskClient, user: StaffUser) -> tuple[int, str]:
    page = f"/staff/admin/users/{user.id}"
    token = csrf_token(client, page)
    response = client.post(f"{page}/temporary-password", data={"csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _shown_password(html: str) -> str:
    match = re.search(r'<p class="secret"><code>([^<]+)</code></p>', html)
    assert match, "the temporary password should be on the page"
    return match.group(1)


def _password_step(client: FlaskClient, email: str, password: str) -> tuple[int, str, str]:
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code, response.location or "", response.get_data(as_text=True)


def _code_step(client: FlaskClient, user: StaffUser) -> str:
    token = csrf_token(client, "/staff/mfa")
    response = client.post(
        "/staff/mfa", data={"code": support.current_code(user), "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.location)


def _set_up_authenticator(client: FlaskClient, user: StaffUser) -> str:
    """The first-sign-in set-up step, with the app's code; the recovery codes page."""
    client.get("/staff/mfa/setup")
    db.session.expire_all()
    secret = db.session.get(StaffUser, user.id).mfa_secret
    token = csrf_token(client, "/staff/mfa/setup")
    response = client.post(
        "/staff/mfa/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert response.status_code == 200, response.location
    return response.get_data(as_text=True)


def _change(client: FlaskClient, current: str, new: str = NEW_PASSWORD) -> TestResponse:
    token = csrf_token(client, "/staff/account/password")
    return client.post(
        "/staff/account/password",
        data={"csrf_token": token, "current": current, "new": new, "confirm": new},
    )


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def admin() -> StaffUser:
    return support.staff("admin", name="Ada Admin")


@pytest.fixture
def forgetful() -> StaffUser:
    return support.staff("clinician", queues=("emdr",), name="Fern Forgetful")


def test_an_admin_sets_a_generated_password_shown_once_and_their_sessions_end(
    app: Flask, client: FlaskClient, admin: StaffUser, forgetful: StaffUser
) -> None:
    theirs = app.test_client()
    support.sign_in(theirs, forgetful)
    assert theirs.get("/staff").status_code == 200
    support.sign_in(client, admin)
    user_page = client.get(f"/staff/admin/users/{forgetful.id}").get_data(as_text=True)
    assert "Set a temporary password" in user_page

    status, page = _set_by_admin(client, forgetful)
    password = _shown_password(page)
    assert status == 200 and GENERATED.match(password), password
    check_password(password, email=forgetful.email, name=forgetful.display_name)
    assert "It is shown only now." in page
    db.session.expire_all()
    stored = db.session.get(StaffUser, forgetful.id)
    assert verify_password(stored.password_hash, password)
    assert not verify_password(stored.password_hash, factories.STAFF_PASSWORD)

    response = theirs.get("/staff")  # their open session ended at once
    assert response.status_code == 302 and response.location.startswith("/staff/login")
    assert _password_step(theirs, forgetful.email, factories.STAFF_PASSWORD)[0] == 200

    (event,) = _events("staff.password_reset_by_admin")
    assert event.actor_id == admin.id
    assert (event.target_type, event.target_id) == ("staff_user", str(forgetful.id))
    every_event = json.dumps([e.detail for e in db.session.scalars(select(AuditEvent))])
    assert password not in every_event and password.replace("-", "") not in every_event
    again = client.get(f"/staff/admin/users/{forgetful.id}").get_data(as_text=True)
    assert password not in again and "Temporary, set by an administrator; works until" in again

    status, second = _set_by_admin(client, forgetful)  # a new one each time
    assert status == 200 and _shown_password(second) != password


def test_sign_in_with_a_temporary_password_goes_to_the_password_page_until_it_is_changed(
    app: Flask, client: FlaskClient, admin: StaffUser, forgetful: StaffUser
) -> None:
    admin_client = app.test_client()
    support.sign_in(admin_client, admin)
    password = _shown_password(_set_by_admin(admin_client, forgetful)[1])

    status, location, _ = _password_step(client, forgetful.email, password)
    assert (status, location) == (302, "/staff/mfa")  # the code step is still due
    assert _code_step(client, forgetful) == "/staff/account/password"
    page = client.get("/staff/account/password").get_data(as_text=True)
    assert "Choose your own password" in page and "Temporary password" in page
    for url in ("/staff", "/staff/account", "/staff/overview", "/staff/account/recovery-codes"):
        response = client.get(url)
        assert (response.status_code, response.location) == (302, "/staff/account/password"), url
    token = csrf_token(client, "/staff/account/password")
    blocked = client.post("/staff/account/recovery-codes", data={"csrf_token": token, "code": "1"})
    assert blocked.location == "/staff/account/password"
    assert client.post("/staff/session/keepalive", data={"csrf_token": token}).status_code == 204
    (sign_in,) = [e for e in _events("staff.sign_in") if e.actor_id == forgetful.id]
    assert sign_in.detail == {"method": "totp", "temporary_password": True}

    refused = _change(client, password, password)  # keeping the temporary one is not allowed
    assert "Choose a password different from your current one." in refused.get_data(as_text=True)
    assert client.get("/staff").location == "/staff/account/password"

    done = _change(client, password)
    assert done.status_code == 302 and done.location == "/staff"
    assert client.get("/staff").status_code == 200
    assert client.get("/staff/account").status_code == 200
    db.session.refresh(forgetful)
    assert forgetful.temporary_password_expires_at is None
    assert len(_events("staff.password_changed")) == 1

    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    assert _password_step(client, forgetful.email, password)[0] == 200  # it is gone
    assert _password_step(client, forgetful.email, NEW_PASSWORD)[1] == "/staff/mfa"
    assert _code_step(client, forgetful) == "/staff"  # no detour any more


def test_someone_without_an_authenticator_sets_it_up_then_changes_the_password(
    app: Flask, client: FlaskClient, admin: StaffUser
) -> None:
    newcomer = factories.staff_user(email="newcomer@example.org", display_name="New Comer")
    db.session.commit()
    admin_client = app.test_client()
    support.sign_in(admin_client, admin)
    password = _shown_password(_set_by_admin(admin_client, newcomer)[1])
    assert _password_step(client, newcomer.email, password)[1] == "/staff/mfa/setup"
    codes = _set_up_authenticator(client, newcomer)
    assert 'href="/staff/account/password"' in codes
    assert client.get("/staff").location == "/staff/account/password"


def test_an_admin_cannot_set_one_on_their_own_account(
    app: Flask, client: FlaskClient, admin: StaffUser
) -> None:
    support.sign_in(client, admin)
    own_page = client.get(f"/staff/admin/users/{admin.id}").get_data(as_text=True)
    assert "Set a temporary password" not in own_page
    assert 'href="/staff/account/password"' in own_page
    token = csrf_token(client, f"/staff/admin/users/{admin.id}")
    response = client.post(
        f"/staff/admin/users/{admin.id}/temporary-password",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "Change your own password on your account page instead." in support.flashes(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert verify_password(
        db.session.get(StaffUser, admin.id).password_hash, factories.STAFF_PASSWORD
    )
    assert not _events("staff.password_reset_by_admin")
    assert client.get("/staff/admin/users").status_code == 200  # their session goes on


@pytest.mark.parametrize("role", ["intake_coordinator", "clinician"])
def test_only_admins_may_set_one(
    app: Flask, client: FlaskClient, forgetful: StaffUser, role: str
) -> None:
    support.sign_in(client, support.staff(role, queues=("emdr",)))
    token = csrf_token(client, "/staff/account")
    response = client.post(
        f"/staff/admin/users/{forgetful.id}/temporary-password", data={"csrf_token": token}
    )
    assert response.status_code == 403
    db.session.expire_all()
    stored = db.session.get(StaffUser, forgetful.id)
    assert verify_password(stored.password_hash, factories.STAFF_PASSWORD)
    assert not _events("staff.password_reset_by_admin")


def _set_hours_ago(admin: StaffUser, user: StaffUser, hours: float) -> str:
    """A temporary password as if the admin had set it `hours` ago."""
    password = services.set_temporary_password(user, actor=admin)
    user.temporary_password_expires_at = (
        utcnow() - timedelta(hours=hours) + services.TEMPORARY_PASSWORD_LIFETIME
    )
    db.session.commit()
    return password


def test_a_temporary_password_older_than_72_hours_is_refused_kindly(
    app: Flask, client: FlaskClient, admin: StaffUser, forgetful: StaffUser
) -> None:
    password = _set_hours_ago(admin, forgetful, 72.1)
    status, location, page = _password_step(client, forgetful.email, password)
    assert (status, location) == (200, "")
    assert (
        "Your temporary password has expired: they work for 72 hours. "
        "Please ask an administrator to set a new one."
    ) in support.flashes(page)
    (failed,) = _events("staff.sign_in_failed")
    assert failed.detail == {"stage": "temporary_password_expired"}
    assert failed.target_id == str(forgetful.id)
    assert client.get("/staff/mfa").location == "/staff/login"  # no code step was opened

    support.sign_in(client, admin)
    admin_page = client.get(f"/staff/admin/users/{forgetful.id}").get_data(as_text=True)
    assert "Temporary, set by an administrator; expired" in admin_page


def test_a_temporary_password_still_works_just_before_72_hours(
    app: Flask, client: FlaskClient, admin: StaffUser, forgetful: StaffUser
) -> None:
    password = _set_hours_ago(admin, forgetful, 71.9)
    assert _password_step(client, forgetful.email, password)[1] == "/staff/mfa"
    assert _code_step(client, forgetful) == "/staff/account/password"


def test_an_account_made_in_the_console_starts_with_a_temporary_password(
    app: Flask, client: FlaskClient, admin: StaffUser
) -> None:
    admin_client = app.test_client()
    support.sign_in(admin_client, admin)
    form = {
        "csrf_token": csrf_token(admin_client, "/staff/admin/users/new"),
        "display_name": "Nia New",
        "email": "Nia@Example.org",
        "role": "clinician",
        "queues": "dbt",
    }
    page = admin_client.post("/staff/admin/users/new", data=form)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The account for Nia New is created." in html
    password = _shown_password(html)
    assert GENERATED.match(password)
    nia = db.session.scalars(select(StaffUser).where(StaffUser.email == "nia@example.org")).one()
    assert nia.temporary_password_expires_at is not None
    assert password not in json.dumps([e.detail for e in _events("staff.created")])

    again = admin_client.post("/staff/admin/users/new", data=form)
    assert "an account with that email already exists" in again.get_data(as_text=True)

    assert _password_step(client, "nia@example.org", password)[1] == "/staff/mfa/setup"
    _set_up_authenticator(client, nia)
    assert client.get("/staff/queues/dbt").location == "/staff/account/password"
    assert _change(client, password).location == "/staff"
    assert client.get("/staff/queues/dbt").status_code == 200
