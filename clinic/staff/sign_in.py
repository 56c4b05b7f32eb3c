"""Signing in and out: each step changes the session and records its audit event.

The auth views and hooks call these operations; the request commits what they
write (clinic.models.unit_of_work). Rate limits and messages stay with the views.
"""

from __future__ import annotations

from typing import Literal

from flask import session
from flask_login import logout_user

from clinic.models import StaffUser
from clinic.models.columns import utcnow
from clinic.models.documents import JSONValue
from clinic.security import audit, sessions
from clinic.staff import mfa
from clinic.staff.services import check_sign_in, find_by_email

PasswordOutcome = Literal["wrong", "expired", "accepted"]


def check_password(
    email: str, password: str, next_url: str
) -> tuple[PasswordOutcome, StaffUser | None]:
    """The first factor. Accepted: the session waits for the account's code.

    Refused ("wrong": no such enabled account or a wrong password, never saying
    which; "expired": a temporary password past its lifetime): audited, and the
    returned user is None.
    """
    user = check_sign_in(email, password)
    if user is None:
        named = find_by_email(email)
        audit.record(
            "staff.sign_in_failed",
            actor_kind="anonymous",
            target_type="staff_user" if named else None,
            target_id=named.id if named else None,
            detail={"stage": "password"},
        )
        return "wrong", None
    if (expiry := user.temporary_password_expires_at) is not None and expiry <= utcnow():
        audit.record(
            "staff.sign_in_failed",
            actor_kind="anonymous",
            target_type="staff_user",
            target_id=user.id,
            detail={"stage": "temporary_password_expired"},
        )
        return "expired", None
    sessions.begin_pending(user, next_url)
    audit.record("staff.password_accepted", actor=user)
    return "accepted", user


def finish(user: StaffUser, method: mfa.Method) -> bool:
    """Both factors passed: a new session. True when the password is a temporary one
    (set by an admin): the console stays closed until the new password is chosen."""
    temporary = user.temporary_password_expires_at is not None
    sessions.sign_in(user)
    detail: dict[str, JSONValue] = {"method": method}
    if temporary:
        detail["temporary_password"] = True
    audit.record("staff.sign_in", actor=user, detail=detail)
    return temporary


def sign_out(user: StaffUser) -> None:
    """End this session and every other one of the account."""
    audit.record("staff.sign_out", actor=user)
    sessions.sign_out(user)


def end_expired_session(reason: Literal["idle", "lifetime"]) -> None:
    """The signed-in session was idle too long, or began too long ago: it ends."""
    audit.record("staff.session_expired", detail={"reason": reason})
    logout_user()
    session.clear()


def record_rate_limited(path: str) -> None:
    """Too many failed attempts: this one is refused unchecked."""
    audit.record("staff.sign_in_rate_limited", actor_kind="anonymous", detail={"path": path})
