"""Each queue's expected wait, from its referrals scheduled in the last 90 days.

A referral's wait is from when it was made to the step that scheduled it (its
`referral_event` to `scheduled`); `referrals.waits` turns the waits into a median and
90th percentile per queue and priority.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Referral, ReferralEvent
from clinic.models.columns import utcnow
from referrals.waits import WaitEstimate, expected_waits

WINDOW: Final = timedelta(days=90)


def current_waits(window: timedelta = WINDOW) -> dict[tuple[str, str], WaitEstimate]:
    """Per (queue, priority): the expected wait from made to scheduled."""
    rows = db.session.execute(
        select(Referral.queue, Referral.priority, Referral.created_at, ReferralEvent.created_at)
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .where(
            ReferralEvent.kind == "transition",
            ReferralEvent.to_status == "scheduled",
            ReferralEvent.created_at >= utcnow() - window,
        )
    )
    return expected_waits(
        (queue, priority, scheduled - made) for queue, priority, made, scheduled in rows
    )
