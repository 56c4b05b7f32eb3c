"""Bearer tokens for the JSON API, stored only as a hash, with their scopes and expiry."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model
from clinic.models.columns import UTCDateTime, created_at, uuid_pk


class ApiToken(Model):
    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(
        String(64), nullable=False, unique=True, comment="SHA-256 of the token"
    )
    role: Mapped[str] = mapped_column(
        String(32),
        nullable=False,
        comment="the owner's role when it was made (a record: every request checks the "
        "owner's current role)",
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False, comment="what it is for")
    scope: Mapped[str] = mapped_column(
        String(400),
        nullable=False,
        server_default="",
        comment="the scopes it was given, separated by spaces (e.g. `intakes:write`)",
    )
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, comment="it stops working at this time"
    )
    last_used_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="written at most once a minute"
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    staff_user = relationship("StaffUser")

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split())
