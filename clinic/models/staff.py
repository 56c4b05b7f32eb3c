"""Staff accounts and the queues each one works."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import db
from clinic.models.columns import created_at, uuid_pk

ROLES = ("intake_coordinator", "clinician", "admin")


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint("role IN ('intake_coordinator', 'clinician', 'admin')", name="role"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False, comment="argon2id")
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at()

    queue_assignments = relationship(
        "StaffQueue", back_populates="staff_user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return self.is_enabled

    @property
    def queues(self) -> list[str]:
        return sorted(a.queue for a in self.queue_assignments)


class StaffQueue(db.Model):
    """A queue a staff member works (clinicians see only these)."""

    __tablename__ = "staff_queue"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)

    staff_user = relationship("StaffUser", back_populates="queue_assignments")
