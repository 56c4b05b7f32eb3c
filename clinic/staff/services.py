"""Staff accounts: creating them, checking a sign-in, and the changes admins make."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import StaffQueue, StaffUser
from clinic.models.columns import utcnow
from clinic.models.documents import AuditDetail
from clinic.models.staff import ROLES
from clinic.security import audit
from clinic.security.password_policy import WeakPassword, check_password
from clinic.security.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from referrals import QUEUES

TEMPORARY_PASSWORD_LIFETIME = timedelta(hours=72)
"""How long a password an admin set keeps working (it must be changed at sign-in)."""
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits without the look-alikes 0/o, 1/l/i."""

OWN_ACCESS = (
    "You cannot change your own role, queues or administrator access, nor disable your own "
    "account: ask another administrator."
)
LAST_ADMIN = (
    "This is the last active administrator: make another account an administrator first, "
    "so that someone can still manage accounts."
)


class RefusedChange(ValueError):
    """An account change refused (and audited) before anything was changed; the message
    is for the person who asked."""


def create_staff_user(
    *,
    email: str,
    display_name: str,
    password: str,
    role: str,
    queues: Iterable[str] = (),
    is_admin: bool = False,
    temporary: bool = False,
) -> StaffUser:
    """A new account; the authenticator app is set up at its first sign-in.

    `temporary`: the password was made up for them (not by them), so it works for
    TEMPORARY_PASSWORD_LIFETIME and must be changed at that first sign-in.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    queues = sorted(set(queues))
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        raise ValueError(f"unknown queue(s) {', '.join(unknown)}: choose from {', '.join(QUEUES)}")
    email = email.strip().lower()
    if find_by_email(email) is not None:
        raise ValueError("an account with that email already exists")
    check_password(password, email=email, name=display_name)
    now = utcnow()
    user = StaffUser(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        is_admin=is_admin or role == "admin",
        password_changed_at=now,
    )
    if temporary:
        user.temporary_password_expires_at = now + TEMPORARY_PASSWORD_LIFETIME
    user.queue_assignments = [StaffQueue(queue=q) for q in queues]
    db.session.add(user)
    return user


def add_staff_user(
    *,
    email: str,
    display_name: str,
    password: str,
    role: str,
    queues: Iterable[str] = (),
    is_admin: bool = False,
    temporary: bool = False,
    actor: StaffUser | None = None,
) -> StaffUser:
    """`create_staff_user`, audited as done by `actor` (None: the system, e.g. a command)."""
    user = create_staff_user(
        email=email,
        display_name=display_name,
        password=password,
        role=role,
        queues=queues,
        is_admin=is_admin,
        temporary=temporary,
    )
    db.session.flush()
    audit.record(
        "staff.created",
        target_type="staff_user",
        target_id=user.id,
        actor=actor,
        actor_kind=None if actor else "system",
        detail={"role": user.role, "is_admin": user.is_admin, "queues": user.queues},
    )
    return user


def find_by_email(email: str) -> StaffUser | None:
    return db.session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    ).one_or_none()


def check_sign_in(email: str, password: str) -> StaffUser | None:
    """The enabled account these credentials belong to, or None (never says which part failed).

    A missing account costs the same hash check as a wrong password, so timing
    does not tell them apart either.
    """
    user = find_by_email(email)
    if user is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_enabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(user: StaffUser, current: str, new: str) -> None:
    """Raise ValueError (plain message) unless `current` is right and `new` is allowed."""
    if not verify_password(user.password_hash, current):
        raise ValueError("Your current password is not right.")
    if current == new:
        raise ValueError("Choose a password different from your current one.")
    check_password(new, email=user.email, name=user.display_name)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.temporary_password_expires_at = None
    audit.record("staff.password_changed", target_type="staff_user", target_id=user.id)


def new_temporary_password(email: str, name: str) -> str:
    """Four groups of five readable characters (about 99 bits), e.g. `k7qx2-m9pat-...`."""
    while True:
        groups = (
            "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4)
        )
        password = "-".join(groups)
        try:
            check_password(password, email=email, name=name)
        except WeakPassword:  # vanishingly rare with random characters; draw again
            continue
        return password


def set_temporary_password(user: StaffUser, *, actor: StaffUser) -> str:
    """Give `user` a new generated password to hand over (returned once, kept only hashed).

    Their sessions end at once; after the code step at their next sign-in they must
    choose their own password before anything else. It stops working after
    TEMPORARY_PASSWORD_LIFETIME. Admins change their own password themselves.
    """
    if user.id == actor.id:
        raise ValueError("Change your own password on your account page instead.")
    password = new_temporary_password(user.email, user.display_name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.temporary_password_expires_at = user.password_changed_at + TEMPORARY_PASSWORD_LIFETIME
    user.session_version += 1
    audit.record(
        "staff.password_reset_by_admin", target_type="staff_user", target_id=user.id, actor=actor
    )
    return password


def _refuse(user: StaffUser, actor: StaffUser | None, reason: str, message: str) -> None:
    audit.record(
        "staff.access_change_refused",
        target_type="staff_user",
        target_id=user.id,
        actor=actor,
        actor_kind=None if actor else "system",
        detail={"reason": reason},
    )
    raise RefusedChange(message)


def _is_last_active_admin(user: StaffUser) -> bool:
    if not (user.is_admin and user.is_enabled):
        return False
    others = db.session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(StaffUser.is_admin, StaffUser.is_enabled, StaffUser.id != user.id)
    )
    return not others


def set_enabled(user: StaffUser, enabled: bool, *, actor: StaffUser | None = None) -> None:
    """Disabling also ends every session of the account. Nobody disables their own
    account, and the last active administrator stays enabled (RefusedChange, audited)."""
    if not enabled and actor is not None and actor.id == user.id:
        _refuse(user, actor, "own_account", OWN_ACCESS)
    if not enabled and _is_last_active_admin(user):
        _refuse(user, actor, "last_admin", LAST_ADMIN)
    user.is_enabled = enabled
    if not enabled:
        user.session_version += 1
    action = "staff.enabled" if enabled else "staff.disabled"
    audit.record(
        action,
        target_type="staff_user",
        target_id=user.id,
        actor=actor,
        actor_kind=None if actor else "system",
    )


def update_access(
    user: StaffUser, *, role: str, is_admin: bool, queues: Iterable[str], actor: StaffUser
) -> None:
    """Change what an account may do; its sessions end so the change applies at once.

    Refused (RefusedChange, audited): a change to one's own access, and taking the
    administrator flag from the last active administrator.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    wanted = sorted(set(queues) & set(QUEUES))
    admin = is_admin or role == "admin"
    if actor.id == user.id and (role, admin, wanted) != (user.role, user.is_admin, user.queues):
        _refuse(user, actor, "own_access", OWN_ACCESS)
    if not admin and _is_last_active_admin(user):
        _refuse(user, actor, "last_admin", LAST_ADMIN)
    before: AuditDetail = {"role": user.role, "is_admin": user.is_admin, "queues": user.queues}
    user.role = role
    user.is_admin = admin
    user.queue_assignments = [StaffQueue(queue=q) for q in wanted]
    user.session_version += 1
    audit.record(
        "staff.access_changed",
        target_type="staff_user",
        target_id=user.id,
        actor=actor,
        detail={
            "before": before,
            "after": {"role": user.role, "is_admin": user.is_admin, "queues": wanted},
        },
    )
