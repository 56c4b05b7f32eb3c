"""A referral's follow-up, run on the worker pool of its specialist queue.

Today the follow-up tells the staff of that queue (through the notification
outbox); it is its own task so that each specialty's work runs on its own
workers, and urgent ones on the `urgent` queue.
"""

from __future__ import annotations

import uuid

from clinic import notifications
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import Referral


def follow_up_referral(referral_id: str) -> str:
    """Queue the staff alerts of one new referral; a second run sends nothing more."""
    referral = db.session.get(Referral, uuid.UUID(referral_id))
    if referral is None:
        return "missing"
    notifications.queue_staff_alerts([referral])
    outbox.mark_done(TaskNames.FOLLOW_UP_REFERRAL, referral_id)
    return "done"
