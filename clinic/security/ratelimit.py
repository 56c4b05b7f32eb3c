"""Sign-in rate limits (Flask-Limiter): per client address and per account.

Only failed attempts count. Counters live in Redis when RATELIMIT_STORAGE_URI
points at one (shared by every web process), in the process otherwise. Keys
hold a hash of the email, never the address itself.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, g, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "clinic-staff")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter.init_app(app)


def account_limit() -> str:
    return str(current_app.config["SIGN_IN_LIMIT_ACCOUNT"])


def ip_limit() -> str:
    return str(current_app.config["SIGN_IN_LIMIT_IP"])


def email_key() -> str:
    """The account a sign-in names (existing or not: the limit must not reveal which)."""
    email = request.form.get("email", "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def code_account_key() -> str:
    """The account whose authenticator code is checked: the one waiting for its second
    factor at sign-in, else the signed-in one (asking for new recovery codes)."""
    pending = session.get("mfa_pending") or {}
    if "uid" in pending:
        return "account:" + str(pending["uid"])
    return "account:" + (str(current_user.id) if current_user.is_authenticated else "none")


def mark_failed() -> None:
    """The view says this attempt failed: it counts against the limits."""
    g.sign_in_failed = True


def failed(_response: Response) -> bool:
    return bool(g.get("sign_in_failed", False))
