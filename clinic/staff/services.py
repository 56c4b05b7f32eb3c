"""Staff accounts: creating them and checking a sign-in."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import StaffQueue, StaffUser
from clinic.models.staff import ROLES
from clinic.passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 12


def create_staff_user(
    *, email: str, display_name: str, password: str, role: str, queues: Iterable[str] = ()
) -> StaffUser:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = StaffUser(
        email=email.strip().lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
    )
    user.queue_assignments = [StaffQueue(queue=q) for q in sorted(set(queues))]
    db.session.add(user)
    return user


def find_by_email(email: str) -> StaffUser | None:
    return db.session.scalars(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    ).one_or_none()


def check_sign_in(email: str, password: str) -> StaffUser | None:
    """The enabled account these credentials belong to, or None (never says which part failed)."""
    user = find_by_email(email)
    if user is None or not user.is_enabled or not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
