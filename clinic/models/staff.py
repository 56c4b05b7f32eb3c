"""Staff accounts, the queues each one works, and their second-factor recovery codes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model
from clinic.models.columns import (
    EncryptedJSON,
    HasEncryptedValues,
    UTCDateTime,
    ciphertext,
    created_at,
    uuid_pk,
)
from referrals import QUEUES

ROLES = ("intake_coordinator", "clinician", "admin")
CLINICAL_ROLES = ("intake_coordinator", "clinician")


class StaffUser(HasEncryptedValues, UserMixin, Model):  # type: ignore[misc]
    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint("role IN ('intake_coordinator', 'clinician', 'admin')", name="role"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False, comment="argon2id")
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    is_admin: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        default=False,
        server_default=false(),
        comment="also administers accounts (always true for role admin)",
    )
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at()
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    temporary_password_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime,
        nullable=True,
        comment="set: an admin set a temporary password; it must be changed, and stops "
        "working at this time",
    )
    session_version: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        default=1,
        server_default="1",
        comment="bumped on sign-out and password change: older sessions stop working",
    )
    mfa_secret_encrypted: Mapped[str | None] = ciphertext()
    mfa_confirmed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="null: the authenticator app is not set up yet"
    )
    mfa_last_step: Mapped[int | None] = mapped_column(
        Integer, nullable=True, comment="TOTP time step last accepted (a code works once)"
    )
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    mfa_secret = EncryptedJSON()  # base32 TOTP secret

    queue_assignments = relationship(
        "StaffQueue", back_populates="staff_user", cascade="all, delete-orphan"
    )
    recovery_codes = relationship(
        "StaffRecoveryCode", back_populates="staff_user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return self.is_enabled

    def get_id(self) -> str:
        """Flask-Login keeps this in the session: the version makes old sessions invalid."""
        return f"{self.id}:{self.session_version}"

    @property
    def queues(self) -> list[str]:
        return sorted(a.queue for a in self.queue_assignments)

    @staticmethod
    def roles_of(role: str, is_admin: bool) -> frozenset[str]:
        """The roles of an account with this `role` column and admin flag."""
        return frozenset({role, *(("admin",) if is_admin else ())})

    @property
    def roles(self) -> frozenset[str]:
        return self.roles_of(self.role, self.is_admin)

    @property
    def visible_queues(self) -> tuple[str, ...]:
        return visible_queues(self.roles, lambda: self.queues)

    @property
    def has_mfa(self) -> bool:
        return self.mfa_confirmed_at is not None


def visible_queues(roles: frozenset[str], assigned: Callable[[], Iterable[str]]) -> tuple[str, ...]:
    """The queues whose referrals an account with `roles` may see, in catalogue order:
    every queue for an intake coordinator, a clinician's own (`assigned`, asked only
    then), none for an admin only."""
    if "intake_coordinator" in roles:
        return tuple(QUEUES)
    if "clinician" in roles:
        own = set(assigned())
        return tuple(queue for queue in QUEUES if queue in own)
    return ()


class StaffQueue(Model):
    """A queue a staff member works (clinicians see only these)."""

    __tablename__ = "staff_queue"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)

    staff_user = relationship("StaffUser", back_populates="queue_assignments")


class StaffRecoveryCode(Model):
    """A one-time code to sign in without the authenticator app, kept only as a hash."""

    __tablename__ = "staff_recovery_code"
    __table_args__ = (UniqueConstraint("staff_user_id", "code_hash", name="uq_recovery_code"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(
        String(64), nullable=False, comment="SHA-256 of a random 80-bit code"
    )
    created_at: Mapped[datetime] = created_at()
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    staff_user = relationship("StaffUser", back_populates="recovery_codes")
