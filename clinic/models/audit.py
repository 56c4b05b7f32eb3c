"""Append-only record of who did what to which record, and from where. Never answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import db
from clinic.models.columns import created_at


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = created_at()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True, comment="null: system or client"
    )
    actor_kind: Mapped[str] = mapped_column(
        String(16), nullable=False, comment="staff/system/client"
    )
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True, comment="client address")
    detail: Mapped[dict[str, Any]] = mapped_column(
        JSON, nullable=False, default=dict, comment="ids and codes only, never answers"
    )


def _refuse_change(*_: object) -> None:
    raise RuntimeError("audit events are append-only")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)
