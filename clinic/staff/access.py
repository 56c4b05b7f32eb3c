"""Who may see what: roles and queues (least privilege).

Intake coordinators work every queue; clinicians only the queues they are
assigned to; admins manage accounts and read the audit log, and see no
clinical pages unless they also hold a clinical role. A referral outside the
user's queues answers 404, so its existence is not revealed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import flask_login
from flask import abort, url_for
from flask_login import current_user

from clinic.extensions import db
from clinic.models import Referral, StaffUser
from referrals import QUEUES

CLINICAL = frozenset({"intake_coordinator", "clinician"})
ADMIN = frozenset({"admin"})

P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Signed in, else to the sign-in page (Flask-Login's `login_required`, typed)."""
    wrapped: Callable[P, R] = flask_login.login_required(view)
    return wrapped


def require(roles: frozenset[str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed in (else to the sign-in page) and holding one of `roles` (else 403)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not (current_user.roles & roles):
                abort(403)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorate


def visible_queues(user: StaffUser) -> tuple[str, ...]:
    """The queues whose referrals `user` may see, in catalogue order."""
    return user.visible_queues


def me() -> StaffUser:
    user: StaffUser = current_user._get_current_object()
    return user


def queue_or_abort(queue: str) -> str:
    """A queue the current user works: 404 if there is no such queue, 403 if not theirs."""
    if queue not in QUEUES:
        abort(404)
    if queue not in visible_queues(me()):
        abort(403)
    return queue


def referral_or_404(referral_id: uuid.UUID) -> Referral:
    """The referral, if it is in one of the current user's queues."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.queue not in visible_queues(me()):
        abort(404)
    return referral


def home_url(user: StaffUser) -> str:
    """Where a user lands after sign-in: their queues, or the accounts page for admins."""
    if user.roles & CLINICAL:
        return url_for("staff.dashboard")
    return url_for("staff.admin_users")
