"""Notifications: each message to send, staff alerts about referrals, on-call pages.

A `NotificationMessage` is the outbox row of one message: its unique key
(event, recipient, channel) means a message is written once however often the
code that decides to send it runs; the sending task claims it, sends it and
marks it sent. The address and any secret (a resume link) are encrypted in
`payload` and wiped once the message is sent; a message that failed for good
keeps it (for a retry) until FAILED_MESSAGE_RETENTION_DAYS have passed
(clinic.notifications.retention), then stays `failed` with no payload.

`unknown`: a client message whose send began but whose outcome was never
recorded (the worker died between send and mark). Client messages are sent at
most once, so it is not sent again by itself; staff see "delivery unknown" and
an admin may send it again (clinic.notifications.sending). It keeps its
payload as a failed message does, for the same time.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model, db
from clinic.models.columns import (
    EncryptedJSON,
    HasEncryptedValues,
    UTCDateTime,
    ciphertext,
    created_at,
    utcnow,
    uuid_pk,
)

MESSAGE_STATUSES = ("pending", "sending", "sent", "failed", "skipped", "unknown")
CHANNELS = ("email", "sms", "none")


class NotificationMessage(HasEncryptedValues, Model):
    __tablename__ = "notification_message"
    __table_args__ = (
        UniqueConstraint("event", "recipient", "channel", name="uq_notification_message_key"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'unknown')",
            name="status",
        ),
        CheckConstraint("channel IN ('email', 'sms', 'none')", name="channel"),
        db.Index("ix_notification_message_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    event: Mapped[str] = mapped_column(
        String(120), nullable=False, comment="what happened, e.g. alert:<staff alert id>"
    )
    recipient: Mapped[str] = mapped_column(
        String(160), nullable=False, comment="who, as a key (staff:<id>, oncall:<name>, client)"
    )
    channel: Mapped[str] = mapped_column(String(8), nullable=False, comment="email, sms or none")
    template: Mapped[str] = mapped_column(
        String(40), nullable=False, comment="templates/email/<language>/<template>.*"
    )
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, comment="sends tried")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="when the last send began (a lease)"
    )
    last_error: Mapped[str | None] = mapped_column(
        String(120), nullable=True, comment="error class or SMTP code; never an address"
    )
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("intake_submission.id"), nullable=True, index=True
    )
    referral_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referral.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = created_at()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    payload_encrypted: Mapped[str | None] = ciphertext()

    payload = EncryptedJSON()  # {"to": address, "values": …}; None once sent or expired
    referral = relationship("Referral")  # also orders a flush: the referral's row first

    @property
    def details_removed(self) -> bool:
        """Failed (or delivery unknown), and its details were removed after the retention
        limit: no retry."""
        return self.status in ("failed", "unknown") and self.payload_encrypted is None


class StaffAlert(Model):
    """Staff were (or, in a digest, will be) told about one new referral."""

    __tablename__ = "staff_alert"
    __table_args__ = (
        CheckConstraint("delivery IN ('immediate', 'digest')", name="delivery"),
        db.Index("ix_staff_alert_queue_delivery_notified_at", "queue", "delivery", "notified_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referral.id"), nullable=False, unique=True
    )
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id"), nullable=False, index=True
    )
    queue: Mapped[str] = mapped_column(String(32), nullable=False)
    priority: Mapped[str] = mapped_column(String(16), nullable=False)
    delivery: Mapped[str] = mapped_column(
        String(16), nullable=False, comment="immediate, or in the queue's digest"
    )
    notified_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="null: waiting for the next digest"
    )
    created_at: Mapped[datetime] = created_at()

    referral = relationship("Referral")


class OnCallAlert(Model):
    """An urgent intake paged to the on-call contacts, repeated until acknowledged.

    A re-screen while waiting that finds risk acute pages again, with its own alert
    (`rescreen_id` set).

    Paged from the draft when a saved answer makes `acute` true (then `staff_alert_id`
    stays null until routing writes the intake's first staff alert), or else when
    routing makes an urgent referral. One per intake.
    """

    __tablename__ = "on_call_alert"
    __table_args__ = (
        db.Index("ix_on_call_alert_next_page_at", "next_page_at"),
        # One page per intake, and one per re-screen of it.
        db.Index(
            "uq_on_call_alert_submission_id",
            "submission_id",
            unique=True,
            postgresql_where=text("rescreen_id IS NULL"),
            sqlite_where=text("rescreen_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id"), nullable=False
    )
    rescreen_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("rescreen.id"),
        nullable=True,
        unique=True,
        comment="paged because of this re-screen while waiting; null: the intake itself",
    )
    staff_alert_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_alert.id"),
        nullable=True,
        index=True,
        comment="the page staff open; null: paged from a draft, not routed yet",
    )
    pages_sent: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, comment="the first page and its repeats"
    )
    next_page_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="null: acknowledged, no more repeats"
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = created_at()

    staff_alert = relationship("StaffAlert")
    acknowledged_by = relationship("StaffUser")
