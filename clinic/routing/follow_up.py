"""A referral's follow-up: the task older versions wrote for each new referral.

Routing now writes the staff alerts itself, in its own transaction, and one
task sends them (clinic.routing.record); nothing writes follow-ups any more.
This task stays so that the rows an older version wrote before an upgrade are
still run: it queues the referral's staff alerts if routing did not (a second
run, or one after routing wrote them, adds nothing).
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
