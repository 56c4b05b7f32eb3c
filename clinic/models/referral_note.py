"""Staff notes on a referral: free text, so encrypted like the answers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model
from clinic.models.columns import (
    EncryptedJSON,
    HasEncryptedValues,
    ciphertext,
    created_at,
    uuid_pk,
)


class ReferralNote(HasEncryptedValues, Model):
    """The text behind a `note` ReferralEvent (or the words added to a decline or reroute)."""

    __tablename__ = "referral_note"

    id: Mapped[uuid.UUID] = uuid_pk()
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referral.id"), nullable=False, index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id"), nullable=False, index=True
    )
    text_encrypted: Mapped[str | None] = ciphertext()
    created_at: Mapped[datetime] = created_at()

    text = EncryptedJSON()  # the note as the author wrote it

    author = relationship("StaffUser")
