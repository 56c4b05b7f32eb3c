"""A client across submissions, and their re-screens while they wait.

`Client` is pseudonymous: a random id and nothing else about the person. What we know of
them stays on their submissions (encrypted there); the client record only links the
first intake, each re-screen and so each referral. Staff may merge two records of one
person (`merged_into_id` then names the record that was kept).

`RescreenInvitation`: one invitation to a re-screen, with a one-time link. Only the
SHA-256 of the link's token is kept; the token itself is in the message row (encrypted,
wiped once sent). `Rescreen`: the answers given through one invitation, encrypted.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
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

STILL_WAITING_ANSWERS = ("still_waiting", "no_longer_needed", "found_help")


class Client(Model):
    __tablename__ = "client"

    id: Mapped[uuid.UUID] = uuid_pk()
    created_at: Mapped[datetime] = created_at()
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id"),
        nullable=True,
        index=True,
        comment="staff merged this record into that one (the same person); null: in use",
    )
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    submissions = relationship(
        "IntakeSubmission", back_populates="client", order_by="IntakeSubmission.created_at"
    )


class RescreenInvitation(Model):
    __tablename__ = "rescreen_invitation"
    __table_args__ = (
        UniqueConstraint("client_id", "round", name="uq_rescreen_invitation_client_round"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), nullable=False)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id"),
        nullable=False,
        index=True,
        comment="the intake whose referral the client waits on (its contact wishes apply)",
    )
    round: Mapped[int] = mapped_column(
        Integer, nullable=False, comment="1 for the first invitation of this client, then 2..."
    )
    token_hash: Mapped[str] = mapped_column(
        String(64), nullable=False, unique=True, comment="SHA-256 of the link's token"
    )
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="when the link was opened; it opens once"
    )


class Rescreen(HasEncryptedValues, Model):
    __tablename__ = "rescreen"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'submitted', 'assessed')", name="status"),
        CheckConstraint(
            "still_waiting IS NULL OR still_waiting IN "
            "('still_waiting', 'no_longer_needed', 'found_help')",
            name="still_waiting",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    invitation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("rescreen_invitation.id"), nullable=False, unique=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id"), nullable=False, index=True
    )
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    browser_key_hash: Mapped[str | None] = mapped_column(
        String(64),
        nullable=True,
        comment="SHA-256 of the key of the browser session that opened the link; "
        "null once sent or after quick exit",
    )
    still_waiting: Mapped[str | None] = mapped_column(
        String(24),
        nullable=True,
        comment="the check-in: still_waiting, no_longer_needed, found_help; null: not said",
    )
    created_at: Mapped[datetime] = created_at()
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answers_encrypted: Mapped[str | None] = ciphertext()
    scores_encrypted: Mapped[str | None] = ciphertext()
    assessment_encrypted: Mapped[str | None] = ciphertext()

    answers = EncryptedJSON()  # {"subject_age", "sex", "answers": {item id: code or None}}
    scores = EncryptedJSON()  # {instrument id: forms Score.as_dict()}
    assessment = EncryptedJSON()  # referrals RescreenAssessment.as_dict()

    invitation = relationship("RescreenInvitation")
