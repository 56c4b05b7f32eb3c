"""Sign-in rate limits, per client address and per account, reserved before each check.

An attempt takes its slot in the counter *before* the password or code is
checked (one atomic increment), so however many attempts arrive at once, at
most the configured number are ever checked; an attempt over the limit is
refused unchecked (429). A successful attempt gives its slot back: only failed
attempts count. A window begins with the first counted failure and lasts the
limit's period (`5 per 15 minutes`: five failures, then nothing until fifteen
minutes after the first).

Counters live in RATELIMIT_STORAGE_URI: Redis, shared by every web process
(production requires it), or `memory://`, one count per process (development).
Keys hold a hash of the email, never the address itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import Flask, current_app, request, session
from flask_login import current_user
from limits import parse
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

KEY_PREFIX = "clinic-staff"
SHARED_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "redis+unix://")
"""Storage every web process shares (production refuses any other)."""


class TooManyAttempts(TooManyRequests):
    """The limit is reached: this attempt is refused without being checked."""


def init_app(app: Flask) -> None:
    """This app's counters, in the storage RATELIMIT_STORAGE_URI names."""
    app.extensions["attempt_limits"] = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])


def is_shared(storage_uri: str) -> bool:
    """Whether counters in this storage are seen by every web process."""
    return storage_uri.startswith(SHARED_SCHEMES)


def _storage() -> Storage:
    storage: Storage = current_app.extensions["attempt_limits"]
    return storage


@dataclass(frozen=True)
class _Slot:
    key: str
    expiry: int

    def give_back(self) -> None:
        _storage().incr(self.key, self.expiry, amount=-1)


def _take(scope: str, key: str, limit: str) -> _Slot:
    """One slot of `limit` for `key`, taken atomically; TooManyAttempts when none is left."""
    item = parse(limit)
    slot = _Slot(f"{KEY_PREFIX}:{scope}:{key}", item.get_expiry())
    if _storage().incr(slot.key, slot.expiry) > item.amount:
        slot.give_back()  # a refused attempt is not checked, so it does not count
        raise TooManyAttempts()
    return slot


@dataclass
class Attempt:
    """The slots one attempt holds while its password or code is checked."""

    slots: list[_Slot] = field(default_factory=list)

    def succeeded(self) -> None:
        """The attempt passed: its slots are given back (only failures count)."""
        for slot in self.slots:
            slot.give_back()
        self.slots.clear()


def _reserve(*wanted: tuple[str, str, str]) -> Attempt:
    attempt = Attempt()
    try:
        for scope, key, limit in wanted:
            attempt.slots.append(_take(scope, key, limit))
    except TooManyAttempts:
        attempt.succeeded()  # the slots taken so far: this attempt is not checked at all
        raise
    return attempt


def reserve_password_attempt(email: str) -> Attempt:
    """Before a password is checked: a slot for the client address and one for the account."""
    return _reserve(
        ("sign-in-ip", request.remote_addr or "unknown", _config("SIGN_IN_LIMIT_IP")),
        ("sign-in-account", email_key(email), _config("SIGN_IN_LIMIT_ACCOUNT")),
    )


def reserve_code_attempt() -> Attempt:
    """Before an authenticator or recovery code is checked: a slot for its account."""
    return _reserve(("mfa-account", code_account_key(), _config("SIGN_IN_LIMIT_ACCOUNT")))


def first_in_window(scope: str, key: str, seconds: int) -> bool:
    """True for the first call with this key in a window of `seconds` (then False until
    it ends): lets a repeated event be recorded once per window."""
    return _storage().incr(f"{KEY_PREFIX}:{scope}:{key}", seconds) == 1


def _config(name: str) -> str:
    return str(current_app.config[name])


def email_key(email: str) -> str:
    """The account a sign-in names (existing or not: the limit must not reveal which)."""
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def code_account_key() -> str:
    """The account whose authenticator code is checked: the one waiting for its second
    factor at sign-in, else the signed-in one (asking for new recovery codes)."""
    pending = session.get("mfa_pending") or {}
    if "uid" in pending:
        return "account:" + str(pending["uid"])
    return "account:" + (str(current_user.id) if current_user.is_authenticated else "none")
