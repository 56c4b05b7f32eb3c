"""Digests: a queue's routine referrals, told in one message every N minutes.

A queue's digest goes out when its oldest untold referral has waited the
queue's `digest_minutes`; it covers every referral still untold. The digest's
key is that oldest alert's id, and the alerts are marked told in the same
transaction, so a sweep that runs twice sends one digest.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from clinic.extensions import db, rows_matched
from clinic.models import StaffAlert
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications.links import CONSOLE_HOME, site_link
from clinic.notifications.queueing import add_message
from clinic.notifications.staff_alerts import queue_recipients
from clinic.settings.clinic_settings import clinic_settings


class _ToldElsewhere(Exception):
    """Another sweep marked some of these alerts told first."""


def send_due_digests() -> int:
    """Beat: write the digests that are due; returns how many queues got one.

    Each queue's digest is a unit of work of its own: its alerts are marked told
    and its messages written together, or (another sweep got there first) not at all.
    """
    settings = clinic_settings().notifications
    waiting = select(StaffAlert.queue).where(
        StaffAlert.delivery == "digest", StaffAlert.notified_at.is_(None)
    )
    sent = 0
    for queue in sorted(set(db.session.scalars(waiting))):
        try:
            with unit_of_work():
                sent += _write_digest(queue, settings.for_queue(queue).digest_minutes)
        except _ToldElsewhere:
            continue
    return sent


def _write_digest(queue: str, minutes: float) -> int:
    """The queue's digest if its oldest untold alert waited `minutes`; 1 if written."""
    alerts = db.session.scalars(
        select(StaffAlert)
        .where(
            StaffAlert.queue == queue,
            StaffAlert.delivery == "digest",
            StaffAlert.notified_at.is_(None),
        )
        .order_by(StaffAlert.created_at, StaffAlert.id)
    ).all()
    now = utcnow()
    if alerts[0].created_at > now - timedelta(minutes=minutes):
        return 0
    ids = [alert.id for alert in alerts]
    marked = db.session.execute(
        update(StaffAlert)
        .where(StaffAlert.id.in_(ids), StaffAlert.notified_at.is_(None))
        .values(notified_at=now)
    )
    if rows_matched(marked) != len(ids):
        raise _ToldElsewhere(queue)
    values = {"count": len(ids), "link": site_link(CONSOLE_HOME)}
    for recipient in queue_recipients(queue):
        add_message(f"digest:{ids[0]}", recipient, "staff_digest", values)
    return 1
