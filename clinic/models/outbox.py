"""Messages to publish to the broker, written in the same transaction as the change.

The relay publishes a row after commit (Celery task id = row id); the sweep
publishes again what is still pending, or published but not done after a
while, so a broker outage or a crash between commit and publish only delays.
A sweep claims the rows it publishes until `claimed_until`, so two sweeps never
publish the same row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import Model, db
from clinic.models.columns import UTCDateTime, created_at, utcnow, uuid_pk

OUTBOX_STATUSES = ("pending", "published", "done", "failed")


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'published', 'done', 'failed')", name="status"),
        db.Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
        db.Index("ix_outbox_message_kind_target_id", "kind", "target_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(64), nullable=False, comment="task to publish")
    target_id: Mapped[str] = mapped_column(String(64), nullable=False, comment="id the task takes")
    queue: Mapped[str | None] = mapped_column(
        String(32), nullable=True, comment="Celery queue; null: the task's default queue"
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, comment="publish attempts"
    )
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String, nullable=True)
    created_at: Mapped[datetime] = created_at()
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime,
        nullable=True,
        comment="a sweep publishes this row until then; null or past: free",
    )
