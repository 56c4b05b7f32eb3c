"""Digests: a queue's routine referrals, told in one message every N minutes.

A queue's digest goes out when its oldest untold referral has waited the
queue's `digest_minutes`; it covers every referral still untold. The digest's
key is that oldest alert's id, and the alerts are marked told in the same
transaction, so a sweep that runs twice sends one digest.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from clinic.clinic_settings import clinic_settings
from clinic.extensions import db
from clinic.models import StaffAlert
from clinic.models.columns import utcnow
from clinic.notifications.queueing import add_message
from clinic.notifications.render import site_link
from clinic.notifications.staff_alerts import queue_recipients

CONSOLE_HOME = "/staff"  # the staff console's queues


def send_due_digests() -> int:
    """Beat: write the digests that are due; returns how many queues got one."""
    settings = clinic_settings().notifications
    waiting = select(StaffAlert.queue).where(
        StaffAlert.delivery == "digest", StaffAlert.notified_at.is_(None)
    )
    sent = 0
    for queue in sorted(set(db.session.scalars(waiting))):
        alerts = db.session.scalars(
            select(StaffAlert)
            .where(
                StaffAlert.queue == queue,
                StaffAlert.delivery == "digest",
                StaffAlert.notified_at.is_(None),
            )
            .order_by(StaffAlert.created_at, StaffAlert.id)
        ).all()
        minutes = settings.for_queue(queue).digest_minutes
        now = utcnow()
        if alerts[0].created_at > now - timedelta(minutes=minutes):
            continue
        ids = [alert.id for alert in alerts]
        marked = db.session.execute(
            update(StaffAlert)
            .where(StaffAlert.id.in_(ids), StaffAlert.notified_at.is_(None))
            .values(notified_at=now)
        )
        if marked.rowcount != len(ids):  # another sweep got there first
            db.session.rollback()
            continue
        values = {"count": len(ids), "link": site_link(CONSOLE_HOME)}
        for recipient in queue_recipients(queue):
            add_message(f"digest:{ids[0]}", recipient, "staff_digest", values)
        db.session.commit()
        sent += 1
    return sent
