"""New recovery codes from the account page: only for a current authenticator code."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, StaffRecoveryCode, StaffUser
from clinic.models.columns import utcnow
from clinic.security import totp
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

PAGE = "/staff/account/recovery-codes"
REFUSED = "That code did not work. Enter the 6-digit code your authenticator app shows now"


def _with_codes(user: StaffUser, used: int = 0) -> list[str]:
    """Give `user` ten recovery codes, the first `used` of them already used."""
    codes = totp.new_recovery_codes()
    user.recovery_codes = [
        StaffRecoveryCode(
            code_hash=totp.recovery_code_hash(code), used_at=utcnow() if n < used else None
        )
        for n, code in enumerate(codes)
    ]
    db.session.commit()
    return codes


def _ask(client: FlaskClient, code: str) -> tuple[int, str]:
    response = client.post(PAGE, data={"code": code, "csrf_token": csrf_token(client, PAGE)})
    return response.status_code, response.get_data(as_text=True)


def _shown_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z2-7-]+)</code></li>", html)


def _sign_in_with(client: FlaskClient, user: StaffUser, code: str) -> int:
    """Password, then `code` at the code step; the status of the code step."""
    token = csrf_token(client, "/staff/login")
    client.post(
        "/staff/login",
        data={"email": user.email, "password": factories.STAFF_PASSWORD, "csrf_token": token},
    )
    token = csrf_token(client, "/staff/mfa")
    return client.post("/staff/mfa", data={"code": code, "csrf_token": token}).status_code


def _wrong_code() -> str:
    """Six digits the app shows in none of the steps a code is accepted for."""
    now = pyotp.TOTP(support.SECRET)
    valid = {now.at(time.time() + drift) for drift in (-30, 0, 30)}
    return next(c for c in ("000000", "123456", "999999") if c not in valid)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_new_codes_need_the_app_code_and_replace_every_old_one(
    app: Flask, client: FlaskClient
) -> None:
    user = support.staff()
    old = _with_codes(user, used=3)
    support.sign_in(client, user)
    account = client.get("/staff/account").get_data(as_text=True)
    assert "<dt>Recovery codes left</dt><dd>7</dd>" in account
    assert f'href="{PAGE}"' in account and "Get new recovery codes" in account

    status, page = _ask(client, old[5])  # a valid, unused recovery code: not here
    assert status == 200 and REFUSED in page and not _shown_codes(page)
    status, page = _ask(client, _wrong_code())
    assert status == 200 and REFUSED in page
    assert [e.detail for e in _events("staff.mfa_failed")] == [{"stage": "new_recovery_codes"}] * 2
    db.session.expire_all()
    assert sum(c.used_at is None for c in db.session.get(StaffUser, user.id).recovery_codes) == 7

    status, page = _ask(client, support.current_code(user))
    new = _shown_codes(page)
    assert status == 200 and len(new) == 10 and not set(new) & set(old)
    assert "your old codes no longer work" in page
    (event,) = _events("staff.recovery_codes_regenerated")
    assert event.actor_id == user.id and event.detail == {"count": 10}
    assert not any(code.replace("-", "") in str(event.detail) for code in new + old)
    db.session.expire_all()
    assert len(db.session.get(StaffUser, user.id).recovery_codes) == 10
    assert "<dt>Recovery codes left</dt><dd>10</dd>" in client.get("/staff/account").get_data(
        as_text=True
    )

    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    assert _sign_in_with(client, user, old[5]) == 200  # the old code stopped working
    assert _sign_in_with(client, user, new[0]) == 302  # a new one works
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})
    assert _sign_in_with(client, user, new[0]) == 200  # once


def test_an_app_code_already_accepted_cannot_be_replayed_for_new_codes(
    app: Flask, client: FlaskClient
) -> None:
    user = support.staff()
    code = support.current_code(user)
    token = csrf_token(client, "/staff/login")
    client.post(
        "/staff/login",
        data={"email": user.email, "password": factories.STAFF_PASSWORD, "csrf_token": token},
    )
    token = csrf_token(client, "/staff/mfa")
    assert client.post("/staff/mfa", data={"code": code, "csrf_token": token}).status_code == 302
    status, page = _ask(client, code)
    assert status == 200 and REFUSED in page and not _shown_codes(page)

    fresh = support.current_code(user)
    assert len(_shown_codes(_ask(client, fresh)[1])) == 10
    status, page = _ask(client, fresh)  # nor the one that just got new codes
    assert status == 200 and REFUSED in page and not _shown_codes(page)


def test_wrong_codes_for_new_recovery_codes_are_rate_limited(
    app: Flask, client: FlaskClient
) -> None:
    user = support.staff()
    old = _with_codes(user)
    support.sign_in(client, user)
    for attempt in range(5):
        status, _ = _ask(client, old[attempt] if attempt % 2 else _wrong_code())
        assert status == 200
    status, page = _ask(client, support.current_code(user))
    assert status == 429 and "getting new recovery codes is paused" in page
    assert "Please wait 15 minutes" in page
    assert not _events("staff.recovery_codes_regenerated")

    other = support.staff()
    fresh = app.test_client()
    support.sign_in(fresh, other)
    assert _ask(fresh, support.current_code(other))[0] == 200  # another account is not held up


def test_a_form_without_its_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    user = support.staff()
    support.sign_in(client, user)
    response = client.post(PAGE, data={"code": support.current_code(user)})
    assert response.status_code == 400
    assert not _events("staff.recovery_codes_regenerated")


@pytest.mark.parametrize(("used", "warned"), [(7, False), (8, True), (10, True)])
def test_the_account_page_warns_when_two_codes_or_fewer_are_left(
    app: Flask, client: FlaskClient, used: int, warned: bool
) -> None:
    user = support.staff()
    _with_codes(user, used=used)
    support.sign_in(client, user)
    page = client.get("/staff/account").get_data(as_text=True)
    assert f"<dt>Recovery codes left</dt><dd>{10 - used}</dd>" in page
    assert ("Get new ones so you can still sign in" in page) is warned
