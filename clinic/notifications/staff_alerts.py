"""Telling staff about new referrals: at once, in digests, and paging on-call.

- `urgent` and `priority` referrals, and routine ones in queues without a
  digest, are told at once to the queue's recipients: its shared address if
  the clinic set one, else the staff who work it (intake coordinators work every
  queue; clinicians the queues assigned to them).
- routine referrals in a queue with `digest_minutes` wait for its digest.
- an `urgent` intake also pages the on-call contacts (`on_call`), unless they
  were paged already from its draft: that alert is linked to the first staff
  alert instead, whatever its priority, so staff can reach the referral from it.

Every message says only that a referral needs attention, with a console link.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import inspect, or_, select

from clinic.extensions import db
from clinic.models import Referral, StaffAlert, StaffQueue, StaffUser
from clinic.models.columns import utcnow
from clinic.notifications import on_call
from clinic.notifications.links import staff_alert_link
from clinic.notifications.queueing import Recipient, add_message
from clinic.settings.clinic_settings import clinic_settings
from clinic.settings.notification_settings import NotificationSettings


def _settings() -> NotificationSettings:
    return clinic_settings().notifications


def queue_recipients(queue: str) -> list[Recipient]:
    """The queue's shared address, or every enabled staff member who works the queue."""
    return recipients_by_queue([queue])[queue]


def recipients_by_queue(queues: Iterable[str]) -> dict[str, list[Recipient]]:
    """`queue_recipients` of each queue; the staff of them all are read in one query."""
    settings = _settings()
    found: dict[str, list[Recipient]] = {}
    staffed: list[str] = []
    for queue in queues:
        address = settings.for_queue(queue).address
        if address:
            found[queue] = [Recipient(f"queue:{queue}", "email", address, settings.staff_language)]
        else:
            staffed.append(queue)
    if not staffed:
        return found
    rows = db.session.execute(  # columns, not users: routing reads this for every intake
        select(StaffUser.id, StaffUser.email, StaffUser.role, StaffQueue.queue)
        .outerjoin(
            StaffQueue,
            (StaffQueue.staff_user_id == StaffUser.id) & StaffQueue.queue.in_(staffed),
        )
        .where(
            StaffUser.is_enabled.is_(True),
            or_(
                StaffUser.role == "intake_coordinator",
                (StaffUser.role == "clinician") & StaffQueue.queue.is_not(None),
            ),
        )
        .order_by(StaffUser.email)
    ).all()
    for queue in staffed:
        emails = {
            user_id: email
            for user_id, email, role, assigned in rows
            if role == "intake_coordinator" or assigned == queue
        }
        found[queue] = [
            Recipient(f"staff:{user_id}", "email", email, settings.staff_language)
            for user_id, email in emails.items()
        ]
    return found


def queue_staff_alerts(referrals: Sequence[Referral]) -> None:
    """In the routing transaction: alert staff about new referrals; a second call adds nothing.

    Routing calls it inside `queueing.one_task_for`, so one task sends the messages.
    Everything it reads (the alerts written before, each queue's recipients, the
    intake's on-call page) is read once, before anything is added, so the rows it
    writes are flushed together with the caller's.
    """
    settings = _settings()
    written = [referral.id for referral in referrals if not inspect(referral).pending]
    alerted = set(
        db.session.scalars(
            select(StaffAlert.referral_id).where(StaffAlert.referral_id.in_(written))
        )
        if written  # a referral not flushed yet has no row for an alert to point to
        else ()
    )
    new = [referral for referral in referrals if referral.id not in alerted]
    digest = {
        referral.id: referral.priority == "routine"
        and settings.for_queue(referral.queue).digest_minutes > 0
        for referral in new
    }
    with db.session.no_autoflush:  # staff rows only: nothing the caller added changes them
        recipients = recipients_by_queue(sorted({r.queue for r in new if not digest[r.id]}))
    pages = on_call.Pages([referral.submission_id for referral in new])
    for referral in new:
        alert = StaffAlert(
            id=uuid.uuid4(),
            referral_id=referral.id,
            submission_id=referral.submission_id,
            queue=referral.queue,
            priority=referral.priority,
            delivery="digest" if digest[referral.id] else "immediate",
            notified_at=None if digest[referral.id] else utcnow(),
        )
        db.session.add(alert)
        if not digest[referral.id]:
            link = staff_alert_link(alert.id)
            for recipient in recipients[referral.queue]:
                add_message(
                    f"alert:{alert.id}",
                    recipient,
                    "staff_alert",
                    {"link": link, "urgent": referral.priority == "urgent"},
                    referral_id=referral.id,
                    new_event=True,
                )
        pages.link_or_page(alert, urgent=referral.priority == "urgent")


def acknowledge(alert: StaffAlert, staff: StaffUser) -> bool:
    """Stop the pages of this alert's intake; audited. False if there was nothing to stop."""
    page = on_call.alert_for(alert.submission_id)
    if page is None:
        return False
    return on_call.acknowledge(page, staff)
