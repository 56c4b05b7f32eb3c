"""One intake: the client's answers and contact details, encrypted, and where it stands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model
from clinic.models.columns import (
    EncryptedJSON,
    HasEncryptedValues,
    UTCDateTime,
    ciphertext,
    created_at,
    updated_at,
    uuid_pk,
)

SUBMISSION_STATUSES = ("draft", "submitted", "routed", "needs_review")


class IntakeSubmission(HasEncryptedValues, Model):
    __tablename__ = "intake_submission"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'routed', 'needs_review')", name="status"
        ),
        CheckConstraint("path IN ('adult_self', 'teen_self', 'caregiver_child')", name="path"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    path: Mapped[str] = mapped_column(String(32), nullable=False, comment="respondent path")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft", index=True)
    definitions_version: Mapped[str] = mapped_column(
        String(64), nullable=False, comment="version of the instrument definitions asked"
    )
    answers_encrypted: Mapped[str | None] = ciphertext()
    contact_encrypted: Mapped[str | None] = ciphertext()
    scores_encrypted: Mapped[str | None] = ciphertext()
    decision_encrypted: Mapped[str | None] = ciphertext()
    rules_version: Mapped[str | None] = mapped_column(
        String(64), nullable=True, comment="routing rule-set version of the decision"
    )
    routing_error: Mapped[str | None] = mapped_column(
        String, nullable=True, comment="why routing failed (needs_review); no answers in it"
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The client intake's draft, consent and resume columns (issue 4).
    consent_version: Mapped[str | None] = mapped_column(
        String(32), nullable=True, comment="privacy notice version the client agreed to"
    )
    consented_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="when the client agreed to the privacy notice"
    )
    resume_code_hash: Mapped[str | None] = mapped_column(
        String(64),
        nullable=True,
        unique=True,
        comment="SHA-256 of the draft's current resume code; null once submitted",
    )
    draft_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, index=True, comment="a draft is purged after this"
    )
    crisis_shown_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="when the draft's client was shown the safety page"
    )
    browser_key_hash: Mapped[str | None] = mapped_column(
        String(64),
        nullable=True,
        comment="SHA-256 of the key of the one browser session that may open the draft; "
        "null after quick exit or closing (then only the resume code opens it)",
    )
    support_pages_encrypted: Mapped[str | None] = ciphertext()
    progress: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, nullable=True, comment="draft's screens done and notes read; never answers"
    )
    submitted_partial: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        default=False,
        server_default=false(),
        comment="submitted before the client reached the end (safety page, or left)",
    )
    submitted_via: Mapped[str | None] = mapped_column(
        String(24),
        nullable=True,
        comment="how it was submitted: review, safety_page (left at the crisis page), "
        "quick_exit, safety_autosubmit, direct (API); null before submit",
    )
    reference: Mapped[str | None] = mapped_column(
        String(24),
        nullable=True,
        unique=True,
        comment="readable id given at submit, e.g. INT-2026-0042 (per-year sequence)",
    )

    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id"),
        nullable=True,
        index=True,
        comment="the pseudonymous client record; set at submit (null for a draft)",
    )

    answers = EncryptedJSON()  # {"subject_age", "sex", "answers": {item id: code or None}}
    contact = EncryptedJSON()  # contact details and safe-contact wishes
    scores = EncryptedJSON()  # {instrument id: forms Score.as_dict()}
    decision = EncryptedJSON()  # referrals Decision.as_dict()
    support_pages = EncryptedJSON()  # draft's support pages: {"triggered": [...], "seen": [...]}

    @property
    def left_at_crisis_page(self) -> bool:
        """The client chose "Leave now" on the crisis page, which sent the intake."""
        return self.submitted_via == "safety_page"

    referrals = relationship("Referral", back_populates="submission", order_by="Referral.rank")
    client = relationship("Client", back_populates="submissions")
