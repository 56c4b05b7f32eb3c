"""Idempotency keys of the JSON API: a retried `POST /api/v1/intakes` returns the first result.

Only hashes are stored: the key (SHA-256, per token) and the request body (SHA-256
of its canonical JSON), with the status and body of the first response (the new
intake's id, nothing personal). Kept IDEMPOTENCY_KEY_HOURS (24) hours.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import Model, db
from clinic.models.columns import created_at, uuid_pk


class ApiIdempotencyKey(Model):
    __tablename__ = "api_idempotency_key"
    __table_args__ = (
        UniqueConstraint("api_token_id", "key_hash", name="uq_api_idempotency_key_token_key"),
        db.Index("ix_api_idempotency_key_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    api_token_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("api_token.id", ondelete="CASCADE"), nullable=False
    )
    key_hash: Mapped[str] = mapped_column(
        String(64), nullable=False, comment="SHA-256 of the Idempotency-Key header"
    )
    request_hash: Mapped[str] = mapped_column(
        String(64), nullable=False, comment="SHA-256 of the request body's canonical JSON"
    )
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str] = mapped_column(
        String, nullable=False, comment="the first response's JSON (ids only)"
    )
    created_at: Mapped[datetime] = created_at()
