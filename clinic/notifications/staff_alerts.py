"""Telling staff about new referrals: at once, in digests, and paging on-call.

- `urgent` and `priority` referrals, and routine ones in queues without a
  digest, are told at once to the queue's recipients: its shared address if
  the clinic set one, else the staff who work it (intake coordinators work every
  queue; clinicians the queues assigned to them).
- routine referrals in a queue with `digest_minutes` wait for its digest.
- an `urgent` intake also pages the on-call contacts by every channel, and
  again every `urgent_repeat_minutes` until a staff member acknowledges it.

Every message says only that a referral needs attention, with a console link.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select, update

from clinic import audit, outbox
from clinic.clinic_settings import clinic_settings
from clinic.extensions import db
from clinic.models import OnCallAlert, Referral, StaffAlert, StaffQueue, StaffUser
from clinic.models.columns import utcnow
from clinic.notifications.queueing import Recipient, add_message
from clinic.notifications.render import console_link
from clinic.notifications.settings import NotificationSettings

log = logging.getLogger(__name__)


def _settings() -> NotificationSettings:
    return clinic_settings().notifications


def _staff_recipients(users: Sequence[StaffUser], language: str) -> list[Recipient]:
    return [Recipient(f"staff:{user.id}", "email", user.email, language) for user in users]


def queue_recipients(queue: str) -> list[Recipient]:
    """The queue's shared address, or every enabled staff member who works the queue."""
    settings = _settings()
    address = settings.for_queue(queue).address
    if address:
        return [Recipient(f"queue:{queue}", "email", address, settings.staff_language)]
    assigned = select(StaffQueue.staff_user_id).where(StaffQueue.queue == queue)
    users = db.session.scalars(
        select(StaffUser)
        .where(
            StaffUser.is_enabled.is_(True),
            or_(
                StaffUser.role == "intake_coordinator",
                (StaffUser.role == "clinician") & StaffUser.id.in_(assigned),
            ),
        )
        .order_by(StaffUser.email)
    ).all()
    return _staff_recipients(users, settings.staff_language)


def on_call_recipients() -> list[Recipient]:
    """Every channel of every on-call contact; without any, the intake coordinators."""
    settings = _settings()
    language = settings.staff_language
    recipients = []
    for contact in settings.on_call:
        if contact.email:
            recipients.append(Recipient(f"oncall:{contact.name}", "email", contact.email, language))
        if contact.sms:
            recipients.append(Recipient(f"oncall:{contact.name}", "sms", contact.sms, language))
    if recipients:
        return recipients
    log.warning("no on-call contacts configured: paging the intake coordinators")
    coordinators = db.session.scalars(
        select(StaffUser)
        .where(StaffUser.is_enabled.is_(True), StaffUser.role == "intake_coordinator")
        .order_by(StaffUser.email)
    ).all()
    return _staff_recipients(coordinators, language)


def queue_staff_alerts(referrals: Sequence[Referral]) -> None:
    """In the routing transaction: alert staff about new referrals; a second call adds nothing."""
    settings = _settings()
    for referral in referrals:
        if db.session.scalars(
            select(StaffAlert.id).where(StaffAlert.referral_id == referral.id)
        ).first():
            continue
        digest = referral.priority == "routine" and (
            settings.for_queue(referral.queue).digest_minutes > 0
        )
        alert = StaffAlert(
            id=uuid.uuid4(),
            referral_id=referral.id,
            submission_id=referral.submission_id,
            queue=referral.queue,
            priority=referral.priority,
            delivery="digest" if digest else "immediate",
            notified_at=None if digest else utcnow(),
        )
        db.session.add(alert)
        if not digest:
            link = console_link("staff.notifications.alert", alert_id=alert.id)
            for recipient in queue_recipients(referral.queue):
                add_message(
                    f"alert:{alert.id}",
                    recipient,
                    "staff_alert",
                    {"link": link, "urgent": referral.priority == "urgent"},
                    referral_id=referral.id,
                )
        if referral.priority == "urgent":
            _page_on_call(alert)


def _page_on_call(alert: StaffAlert) -> None:
    """The first page of an urgent intake (one per intake, whichever referral comes first)."""
    db.session.flush()
    if db.session.scalars(
        select(OnCallAlert.id).where(OnCallAlert.submission_id == alert.submission_id)
    ).first():
        return
    page = OnCallAlert(
        id=uuid.uuid4(),
        submission_id=alert.submission_id,
        staff_alert_id=alert.id,
        pages_sent=1,
        next_page_at=utcnow() + timedelta(minutes=_settings().urgent_repeat_minutes),
    )
    db.session.add(page)
    _send_page(page, alert.referral_id, number=1)


def _send_page(page: OnCallAlert, referral_id: uuid.UUID, number: int) -> None:
    link = console_link("staff.notifications.alert", alert_id=page.staff_alert_id)
    for recipient in on_call_recipients():
        add_message(
            f"page:{page.id}:{number}",
            recipient,
            "staff_page",
            {"link": link, "number": number},
            referral_id=referral_id,
        )


def repeat_pages() -> int:
    """Beat: page again every unacknowledged urgent intake whose repeat is due."""
    now = utcnow()
    due = db.session.scalars(
        select(OnCallAlert).where(
            OnCallAlert.acknowledged_at.is_(None), OnCallAlert.next_page_at <= now
        )
    ).all()
    repeated = 0
    for page in due:
        number = page.pages_sent + 1
        claimed = db.session.execute(
            update(OnCallAlert)
            .where(
                OnCallAlert.id == page.id,
                OnCallAlert.pages_sent == page.pages_sent,
                OnCallAlert.acknowledged_at.is_(None),
            )
            .values(
                pages_sent=number,
                next_page_at=now + timedelta(minutes=_settings().urgent_repeat_minutes),
            )
        )
        if claimed.rowcount:
            _send_page(page, page.staff_alert.referral_id, number)
            repeated += 1
        outbox.commit()
    return repeated


def acknowledge(alert: StaffAlert, staff: StaffUser) -> bool:
    """Stop the pages of this alert's intake; audited. False if there was nothing to stop."""
    page = db.session.scalars(
        select(OnCallAlert).where(
            OnCallAlert.submission_id == alert.submission_id,
            OnCallAlert.acknowledged_at.is_(None),
        )
    ).one_or_none()
    if page is None:
        return False
    stopped = db.session.execute(
        update(OnCallAlert)
        .where(OnCallAlert.id == page.id, OnCallAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=staff.id, next_page_at=None)
    )
    if not stopped.rowcount:
        return False
    audit.record(
        "alert.acknowledged",
        target_type="referral",
        target_id=alert.referral_id,
        actor=staff,
        detail={"on_call_alert": str(page.id), "pages_sent": page.pages_sent},
    )
    return True
