"""Bearer tokens: made for one staff user with explicit scopes and an expiry, stored only
as a hash; each request checks the token and its owner's current role and state."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from flask import current_app
from sqlalchemy import bindparam, or_, select, update

from clinic.api import scopes as api_scopes
from clinic.extensions import db
from clinic.models import ApiToken, StaffUser
from clinic.models.columns import utcnow
from clinic.models.staff import visible_queues
from clinic.security import audit

TOKEN_PREFIX = "cit_"
LAST_USED_EVERY = timedelta(minutes=1)
"""The last-used time is written at most this often (not on every request)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    user: StaffUser,
    name: str,
    scopes: Iterable[str] | None = None,
    expires_days: int | None = None,
    *,
    actor: StaffUser | None = None,
) -> str:
    """A new token for `user`; the plain token is returned once and never stored.

    `scopes`: default every scope the owner's role allows now. `expires_days`:
    default API_TOKEN_EXPIRY_DAYS. ValueError (plain words) when either is not allowed.
    """
    granted = api_scopes.check_requested(
        user, api_scopes.allowed(user) if scopes is None else scopes
    )
    days = (
        int(current_app.config["API_TOKEN_EXPIRY_DAYS"]) if expires_days is None else expires_days
    )
    if days < 1:
        raise ValueError("a token must work for at least one day")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        id=uuid.uuid4(),
        staff_user_id=user.id,
        token_hash=_digest(token),
        role=user.role,
        name=name,
        scope=" ".join(granted),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(row)
    audit.record(
        "api.token_created",
        target_type="api_token",
        target_id=row.id,
        actor=actor,
        actor_kind=None if actor else "system",
        detail={"owner": str(user.id), "scopes": list(granted), "expires_days": days},
    )
    return token


@dataclass(frozen=True)
class TokenOwner:
    """The token a request carries and its owner, as they are now.

    Read as plain columns (no ORM entities): every API request authenticates, and
    most need only the owner's id and roles. `user`, the owner's row, is loaded
    when a view asks for it.
    """

    token_id: uuid.UUID
    scopes: tuple[str, ...]
    user_id: uuid.UUID
    roles: frozenset[str]

    @property
    def actor(self) -> audit.StaffRef:
        """Who the request's audit events name."""
        return audit.StaffRef(self.user_id)

    @cached_property
    def user(self) -> StaffUser:
        return db.session.get_one(StaffUser, self.user_id)

    @property
    def visible_queues(self) -> tuple[str, ...]:
        """The queues the owner may see (the owner's row is read only for a clinician)."""
        return visible_queues(self.roles, lambda: self.user.queues)

    def refusal(self, scope: str) -> str | None:
        """Why this request may not use `scope`, or None when it may."""
        if scope not in self.scopes:
            return f"this token does not have the scope {scope}"
        if scope not in api_scopes.allowed_for(self.roles):
            return f"the token owner's role no longer allows {scope}"
        return None


_LIVE_TOKEN = (
    select(
        ApiToken.id,
        ApiToken.scope,
        ApiToken.last_used_at,
        StaffUser.id.label("user_id"),
        StaffUser.role,
        StaffUser.is_admin,
    )
    .join(ApiToken.staff_user)
    .where(
        ApiToken.token_hash == bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
        StaffUser.is_enabled.is_(True),
    )
)
"""A live token with its enabled owner; built once, as every API request runs it."""


def authenticate(token: str) -> TokenOwner | None:
    """The enabled owner of a live (not revoked, not expired) token, or None.

    One query reads the token with its owner; the last-used time is written only
    when the one stored is older than LAST_USED_EVERY.
    """
    now = utcnow()
    row = db.session.execute(_LIVE_TOKEN, {"digest": _digest(token), "now": now}).one_or_none()
    if row is None:
        return None
    owner = TokenOwner(
        token_id=row.id,
        scopes=tuple(row.scope.split()),
        user_id=row.user_id,
        roles=StaffUser.roles_of(row.role, row.is_admin),
    )
    if row.last_used_at is not None and row.last_used_at >= now - LAST_USED_EVERY:
        return owner
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == row.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return owner


def row_of(token: str) -> ApiToken | None:
    """The stored row of a token (found by its hash), whatever its state."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(token))
    ).one_or_none()


def tokens_for(user: StaffUser | None) -> list[ApiToken]:
    """Every token of `user` (None: of everyone), newest first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.staff_user_id == user.id)
    return list(db.session.scalars(query))


def state(row: ApiToken) -> str:
    """`revoked`, `expired` or `live`."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= utcnow() else "live"


def revoke(row: ApiToken, *, actor: StaffUser | None = None) -> bool:
    """Stop a token at once (audited); False when it was already revoked."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record(
        "api.token_revoked",
        target_type="api_token",
        target_id=row.id,
        actor=actor,
        actor_kind=None if actor else "system",
        detail={"owner": str(row.staff_user_id)},
    )
    return True
