"""A referral of one intake to one specialist queue, and the events in its life."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model, db
from clinic.models.columns import (
    EncryptedJSON,
    HasEncryptedValues,
    UTCDateTime,
    ciphertext,
    created_at,
    updated_at,
    uuid_pk,
)

PRIORITIES = ("urgent", "priority", "routine")
OPEN_STATUSES = ("new", "in_review", "accepted", "contacted", "scheduled")
"""The referrals still waiting or in hand (not closed, declined or rerouted)."""
OPEN_CONDITION = f"status IN ({', '.join(repr(status) for status in OPEN_STATUSES)})"


class Referral(HasEncryptedValues, Model):
    __tablename__ = "referral"
    __table_args__ = (
        UniqueConstraint("submission_id", "queue", name="uq_referral_submission_queue"),
        CheckConstraint("priority IN ('urgent', 'priority', 'routine')", name="priority"),
        db.Index("ix_referral_queue_status_priority", "queue", "status", "priority", "created_at"),
        # The dashboard's open referrals of a queue and priority in page order (created_at,
        # id), whatever their open status: one short index read per queue and priority.
        db.Index(
            "ix_referral_open_queue_priority",
            "queue",
            "priority",
            "created_at",
            "id",
            postgresql_where=text(OPEN_CONDITION),
            sqlite_where=text(OPEN_CONDITION),
        ),
        # The staff overview counts referrals per week across queues by created_at alone;
        # on PostgreSQL the queue and id ride along, so its weeks are read from the index
        # only (the counts, and the referrals its median time to first contact joins).
        db.Index("ix_referral_created_at", "created_at", postgresql_include=["queue", "id"]),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id"), nullable=False, index=True
    )
    queue: Mapped[str] = mapped_column(String(32), nullable=False, comment="specialist queue")
    rank: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, comment="order in the decision; 0 is the primary"
    )
    priority: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    explanation_encrypted: Mapped[str | None] = ciphertext()
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True
    )
    rerouted_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referral.id"),
        nullable=True,
        index=True,
        comment="the referral staff rerouted to make this one",
    )
    version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, comment="optimistic lock counter"
    )
    worse_since: Mapped[datetime | None] = mapped_column(
        UTCDateTime,
        nullable=True,
        index=True,
        comment="when a re-screen while waiting first showed a reliable deterioration or "
        "new risk; null: not worse while waiting",
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    explanation = EncryptedJSON()  # {"rule_ids", "facts", "sentence"}: why this referral

    submission = relationship("IntakeSubmission", back_populates="referrals")
    assignee = relationship("StaffUser")
    rerouted_from = relationship("Referral", remote_side="Referral.id")
    events = relationship("ReferralEvent", back_populates="referral", order_by="ReferralEvent.id")

    __mapper_args__ = MappingProxyType({"version_id_col": version})


class ReferralEvent(Model):
    __tablename__ = "referral_event"
    __table_args__ = (
        # Expected waits read the steps to `scheduled` of the last 90 days.
        db.Index("ix_referral_event_to_status_created_at", "to_status", "created_at"),
        # The staff overview's time to first contact: the `contacted` transitions of its
        # weeks, read in date order without the rest of the history.
        db.Index("ix_referral_event_contacted", "to_status", "kind", "created_at", "referral_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referral.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(
        String(32), nullable=False, comment="created, transition, contact_attempt, note"
    )
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True, comment="null: the system"
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = created_at()

    referral = relationship("Referral", back_populates="events")
