"""Signing in: passwords, the second factor, sessions, rate limits, redirects."""

from __future__ import annotations

import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic import create_app
from clinic.extensions import db
from clinic.models import AuditEvent, StaffUser
from clinic.security.password_policy import WeakPassword, check_password
from clinic.security.passwords import hash_password, verify_password
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token


def _password_step(client: FlaskClient, email: str, password: str, next_url: str = "") -> object:
    url = "/staff/login" + (f"?next={next_url}" if next_url else "")
    token = csrf_token(client, url)
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.usefixtures("app_context")
def test_passwords_are_argon2id_with_owasp_parameters(app: Flask) -> None:
    user = factories.staff_user()
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(user.password_hash, factories.STAFF_PASSWORD)


@pytest.mark.usefixtures("app_context")
def test_an_old_hash_is_upgraded_at_sign_in(app: Flask, client: FlaskClient) -> None:
    from argon2 import PasswordHasher

    user = support.staff()
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(
        factories.STAFF_PASSWORD
    )
    db.session.commit()
    _password_step(client, user.email, factories.STAFF_PASSWORD)
    db.session.expire_all()
    assert "m=19456,t=2,p=1" in db.session.get(StaffUser, user.id).password_hash


@pytest.mark.parametrize(
    "password", ["short", "Password12345!", "qwertyuiop123", "p4ssw0rd2024!!", "letmein!letmein!"]
)
def test_short_and_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password(password)


def test_a_long_uncommon_phrase_is_accepted() -> None:
    check_password("violet kettle harbour 42")


@pytest.mark.usefixtures("app_context")
def test_wrong_password_and_unknown_account_get_the_same_message_and_are_audited(
    app: Flask, client: FlaskClient
) -> None:
    support.staff(email="known@example.org")
    for email in ("known@example.org", "nobody@example.org"):
        page = _password_step(client, email, "wrong password!!").get_data(as_text=True)
        assert "That email and password do not match an active account." in page
    assert _actions().count("staff.sign_in_failed") == 2


@pytest.mark.usefixtures("app_context")
def test_sign_in_needs_the_code_and_starts_a_new_session(app: Flask, client: FlaskClient) -> None:
    user = support.staff()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = _password_step(client, user.email, factories.STAFF_PASSWORD)
    assert response.location == "/staff/mfa"
    assert client.get("/staff").status_code == 302  # not signed in before the code
    token = csrf_token(client, "/staff/mfa")
    bad = client.post("/staff/mfa", data={"code": "000000", "csrf_token": token})
    assert "That code did not work" in bad.get_data(as_text=True)
    good = client.post("/staff/mfa", data={"code": support.current_code(user), "csrf_token": token})
    assert good.location == "/staff"
    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.get("/staff").status_code == 200
    assert {"staff.password_accepted", "staff.mfa_failed", "staff.sign_in"} <= set(_actions())


@pytest.mark.usefixtures("app_context")
def test_a_code_works_only_once(app: Flask, client: FlaskClient) -> None:
    user = support.staff()
    code = support.current_code(user)
    support.sign_in(client, user)
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    _password_step(client, user.email, factories.STAFF_PASSWORD)
    token = csrf_token(client, "/staff/mfa")
    replay = client.post("/staff/mfa", data={"code": code, "csrf_token": token})
    assert "That code did not work" in replay.get_data(as_text=True)


@pytest.mark.usefixtures("app_context")
def test_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(
    app: Flask, client: FlaskClient
) -> None:
    user = factories.staff_user(email="new@example.org")
    db.session.commit()
    response = _password_step(client, user.email, factories.STAFF_PASSWORD)
    assert response.location == "/staff/mfa/setup"
    page = client.get("/staff/mfa/setup").get_data(as_text=True)
    assert "<svg" in page and "Key:" in page
    db.session.expire_all()
    secret = db.session.get(StaffUser, user.id).mfa_secret
    assert secret and secret not in (db.session.get(StaffUser, user.id).mfa_secret_encrypted or "")
    token = csrf_token(client, "/staff/mfa/setup")
    done = client.post(
        "/staff/mfa/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    ).get_data(as_text=True)
    codes = [c for c in done.split("<code>")[1:]]
    codes = [c.split("</code>")[0] for c in codes]
    assert len(codes) == 10
    assert "staff.mfa_enrolled" in _actions()

    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    _password_step(client, user.email, factories.STAFF_PASSWORD)
    token = csrf_token(client, "/staff/mfa")
    used = client.post("/staff/mfa", data={"code": codes[0].lower(), "csrf_token": token})
    assert used.status_code == 302
    assert "staff.mfa_recovery_code_used" in _actions()
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    _password_step(client, user.email, factories.STAFF_PASSWORD)
    token = csrf_token(client, "/staff/mfa")
    again = client.post("/staff/mfa", data={"code": codes[0], "csrf_token": token})
    assert "That code did not work" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/x",
        "/\t/evil.example",
        "evil.example",
    ],
)
@pytest.mark.usefixtures("app_context")
def test_sign_in_never_redirects_off_site(app: Flask, client: FlaskClient, target: str) -> None:
    user = support.staff()
    assert support.sign_in(client, user, next_url=target) == "/staff"


@pytest.mark.usefixtures("app_context")
def test_sign_in_returns_to_a_page_on_this_site(app: Flask, client: FlaskClient) -> None:
    user = support.staff()
    assert support.sign_in(client, user, next_url="/staff/overview") == "/staff/overview"


@pytest.mark.usefixtures("app_context")
def test_a_replayed_cookie_from_before_sign_out_is_rejected(
    app: Flask, client: FlaskClient
) -> None:
    user = support.staff()
    support.sign_in(client, user)
    stolen = client.get_cookie("session").value
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    client.set_cookie("session", stolen)
    response = client.get("/staff")
    assert response.status_code == 302 and response.location.startswith("/staff/login")


@pytest.mark.usefixtures("app_context")
def test_a_password_change_ends_other_sessions_but_not_this_one(
    app: Flask, client: FlaskClient
) -> None:
    user = support.staff()
    other = app.test_client()
    support.sign_in(client, user)
    support.sign_in(other, user)
    token = csrf_token(client, "/staff/account/password")
    client.post(
        "/staff/account/password",
        data={
            "csrf_token": token,
            "current": factories.STAFF_PASSWORD,
            "new": "violet kettle harbour 42",
            "confirm": "violet kettle harbour 42",
        },
    )
    assert client.get("/staff").status_code == 200
    assert other.get("/staff").status_code == 302
    assert "staff.password_changed" in _actions()


@pytest.mark.usefixtures("app_context")
def test_an_idle_session_ends(app: Flask, client: FlaskClient) -> None:
    user = support.staff()
    support.sign_in(client, user)
    with client.session_transaction() as session:
        session["seen"] = time.time() - app.config["STAFF_IDLE_TIMEOUT"] - 1
    response = client.get("/staff")
    assert response.location.startswith("/staff/login")
    assert "staff.session_expired" in _actions()
    assert client.get("/staff").status_code == 302


def test_cookies_are_httponly_lax_and_host_prefixed_secure_outside_development(
    tmp_path: object,
) -> None:
    from tests.conftest import app_overrides

    dev = create_app(app_overrides("sqlite://", tmp_path / "a"))  # type: ignore[operator]
    prod = create_app(
        app_overrides(
            "sqlite://",
            tmp_path / "b",  # type: ignore[operator]
            APP_ENV="production",
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/1",
        )
    )
    assert dev.config["SESSION_COOKIE_HTTPONLY"] and dev.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert prod.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["SESSION_COOKIE_HTTPONLY"]
    assert (
        prod.config["SESSION_COOKIE_PATH"] == "/" and prod.config["SESSION_COOKIE_DOMAIN"] is None
    )


@pytest.mark.usefixtures("app_context")
def test_failed_sign_ins_are_rate_limited_per_account_with_a_clear_message(
    app: Flask, client: FlaskClient
) -> None:
    user = support.staff()
    for _ in range(5):
        assert _password_step(client, user.email, "wrong password!!").status_code == 200
    blocked = _password_step(client, user.email, factories.STAFF_PASSWORD)
    assert blocked.status_code == 429
    assert "Please wait 15 minutes" in blocked.get_data(as_text=True)
    assert "staff.sign_in_rate_limited" in _actions()
    other = support.staff()
    assert _password_step(client, other.email, factories.STAFF_PASSWORD).status_code == 302


@pytest.mark.usefixtures("app_context")
def test_failed_sign_ins_are_rate_limited_per_address(app: Flask, client: FlaskClient) -> None:
    app.config["SIGN_IN_LIMIT_IP"] = "3 per 15 minutes"
    for n in range(3):
        _password_step(client, f"person{n}@example.org", "wrong password!!")
    assert _password_step(client, "another@example.org", "wrong password!!").status_code == 429


@pytest.mark.usefixtures("app_context")
def test_disabled_accounts_cannot_sign_in(app: Flask, client: FlaskClient) -> None:
    user = support.staff()
    user.is_enabled = False
    db.session.commit()
    page = _password_step(client, user.email, factories.STAFF_PASSWORD).get_data(as_text=True)
    assert "That email and password do not match an active account." in page


def test_passwords_hash_differently_each_time() -> None:
    assert hash_password("violet kettle harbour 42") != hash_password("violet kettle harbour 42")


@pytest.mark.usefixtures("app_context")
def test_wrong_codes_are_rate_limited_per_account_across_both_code_steps(
    app: Flask, client: FlaskClient
) -> None:
    enrolled = support.staff()
    assert _password_step(client, enrolled.email, factories.STAFF_PASSWORD).status_code == 302
    for _ in range(5):
        token = csrf_token(client, "/staff/mfa")
        response = client.post("/staff/mfa", data={"code": "000000", "csrf_token": token})
        assert response.status_code == 200
    token = csrf_token(client, "/staff/mfa")
    blocked = client.post("/staff/mfa", data={"code": "000000", "csrf_token": token})
    assert blocked.status_code == 429

    new = factories.staff_user(email="new-staff@example.org")
    db.session.commit()
    fresh = app.test_client()
    assert _password_step(fresh, new.email, factories.STAFF_PASSWORD).status_code == 302
    for _ in range(5):
        token = csrf_token(fresh, "/staff/mfa/setup")
        response = fresh.post("/staff/mfa/setup", data={"code": "000000", "csrf_token": token})
        assert response.status_code == 200
    token = csrf_token(fresh, "/staff/mfa/setup")
    blocked = fresh.post("/staff/mfa/setup", data={"code": "000000", "csrf_token": token})
    assert blocked.status_code == 429
