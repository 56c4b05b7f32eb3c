"""Each queue's expected wait, from its referrals scheduled in the last 90 days.

A referral's wait is from when it was made to the step that scheduled it (its
`referral_event` to `scheduled`); `referrals.waits` turns the waits into a median and
90th percentile per queue and priority, and the one figure a client may be told.
The dashboard and the confirmation page read them through `cached_waits`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from flask import current_app
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Referral, ReferralEvent
from clinic.models.columns import utcnow
from referrals.waits import WaitEstimate, expected_waits, wait_for_clients

WINDOW: Final = timedelta(days=90)
KEPT_FOR: Final = 300.0
"""Seconds a web process keeps the figures it read (`cached_waits`): they move by days,
and the dashboard must not read 90 days of events on every load."""
_CACHE: Final = "clinic.expected_waits"


@dataclass(frozen=True)
class WaitFigures:
    by_queue: dict[tuple[str, str], WaitEstimate]
    """Per (queue, priority), for staff."""
    for_clients: timedelta | None
    """What the confirmation page may tell a client (`referrals.waits.wait_for_clients`)."""


def current_waits(window: timedelta = WINDOW) -> dict[tuple[str, str], WaitEstimate]:
    """Per (queue, priority): the expected wait from made to scheduled."""
    return expected_waits(_samples(window))


def current_figures(window: timedelta = WINDOW) -> WaitFigures:
    samples = _samples(window)
    return WaitFigures(expected_waits(samples), wait_for_clients(samples))


def cached_waits() -> WaitFigures:
    """`current_figures()`, read at most once every KEPT_FOR seconds by each web process."""
    kept: tuple[float, WaitFigures] | None = current_app.extensions.get(_CACHE)
    now = time.monotonic()
    if kept is not None and now - kept[0] < KEPT_FOR:
        return kept[1]
    figures = current_figures()
    current_app.extensions[_CACHE] = (now, figures)
    return figures


def forget_cached_waits() -> None:
    current_app.extensions.pop(_CACHE, None)


def _samples(window: timedelta) -> list[tuple[str, str, timedelta]]:
    rows = db.session.execute(
        select(Referral.queue, Referral.priority, Referral.created_at, ReferralEvent.created_at)
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .where(
            ReferralEvent.kind == "transition",
            ReferralEvent.to_status == "scheduled",
            ReferralEvent.created_at >= utcnow() - window,
        )
    )
    return [(queue, priority, scheduled - made) for queue, priority, made, scheduled in rows]
