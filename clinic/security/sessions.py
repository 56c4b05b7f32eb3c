"""Staff sessions: cookie settings, the server-side session version, idle timeout.

The signed session cookie carries `<user id>:<session version>`. Signing out
or changing the password bumps the version in the database, so every cookie
issued before (a copied or replayed one too) stops working at once.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Flask, current_app, session
from flask_login import login_user, logout_user

from clinic.extensions import db, login_manager
from clinic.models import StaffUser
from clinic.models.columns import utcnow

PENDING_SECONDS = 600
"""How long a correct password waits for its second factor."""
SEEN = "seen"
SIGNED_IN_AT = "signed_in_at"
PENDING = "mfa_pending"


def init_app(app: Flask) -> None:
    """HttpOnly, SameSite=Lax always; Secure and the `__Host-` prefix outside development."""
    development = app.config.get("APP_ENV", "development") == "development"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if not development:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None


def _load_user(token: str) -> StaffUser | None:
    """The signed-in user, unless the session is from before their last sign-out."""
    user_id, _, version = token.partition(":")
    try:
        user = db.session.get(StaffUser, uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.is_enabled or not user.has_mfa:
        return None
    if str(user.session_version) != version:
        return None
    return user


login_manager.user_loader(_load_user)


def begin_pending(user: StaffUser, next_url: str) -> None:
    """The password was right: a fresh session that only allows the second factor."""
    session.clear()
    session[PENDING] = {
        "uid": str(user.id),
        "sv": user.session_version,
        "at": time.time(),
        "next": next_url,
    }


def pending_user() -> StaffUser | None:
    """The account whose password was just given, while the second factor is due."""
    pending: dict[str, Any] | None = session.get(PENDING)
    if not pending or time.time() - float(pending["at"]) > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, uuid.UUID(pending["uid"]))
    if user is None or not user.is_enabled or user.session_version != pending["sv"]:
        return None
    return user


def pending_next() -> str:
    pending = session.get(PENDING) or {}
    return str(pending.get("next") or "")


def sign_in(user: StaffUser, *, signed_in_at: float | None = None) -> None:
    """Both factors passed: a new session (nothing carried over from before), which
    ends STAFF_SESSION_LIFETIME after `signed_in_at` (now, unless it continues one)."""
    session.clear()
    user.last_sign_in_at = utcnow()
    login_user(user)
    now = time.time()
    session[SEEN] = now
    session[SIGNED_IN_AT] = now if signed_in_at is None else signed_in_at


def sign_out(user: StaffUser) -> None:
    """End this session and every other one of the account."""
    user.session_version += 1
    logout_user()
    session.clear()


def refresh_after_password_change(user: StaffUser) -> None:
    """Other sessions end; this one continues under the new version."""
    started = session.get(SIGNED_IN_AT)
    user.session_version += 1
    db.session.flush()
    sign_in(user, signed_in_at=None if started is None else float(started))


def idle_for() -> float:
    return time.time() - float(session.get(SEEN, 0))


def idle_expired() -> bool:
    return idle_for() > int(current_app.config["STAFF_IDLE_TIMEOUT"])


def lifetime_over() -> bool:
    """The session began more than STAFF_SESSION_LIFETIME ago, however active since (a
    session without its start time is from before this rule, so it is over too)."""
    started = session.get(SIGNED_IN_AT)
    if started is None:
        return True
    return time.time() - float(started) > int(current_app.config["STAFF_SESSION_LIFETIME"])


def touch() -> None:
    session[SEEN] = time.time()
