"""Bearer tokens: made for one staff user, scoped to their role, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import ApiToken, StaffUser
from clinic.models.columns import utcnow

TOKEN_PREFIX = "cit_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: StaffUser, name: str) -> str:
    """A new token for `user`; the plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(staff_user_id=user.id, token_hash=_digest(token), role=user.role, name=name)
    )
    return token


@dataclass(frozen=True)
class TokenOwner:
    user: StaffUser
    role: str
    token_id: uuid.UUID


def authenticate(token: str) -> TokenOwner | None:
    """The enabled owner of a live token, or None."""
    row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if row is None or not row.staff_user.is_enabled:
        return None
    row.last_used_at = utcnow()
    return TokenOwner(user=row.staff_user, role=row.role, token_id=row.id)
