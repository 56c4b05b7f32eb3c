"""Each queue's expected wait, from its referrals scheduled in the last 90 days.

A referral's wait is from when it was made to the step that scheduled it (its
`referral_event` to `scheduled`); `referrals.waits` turns the waits into a median and
90th percentile per queue and priority, and the one figure a client may be told.
The dashboard, the confirmation page and `GET /api/v1/queues/waits` read them through
`cached_waits`.

On PostgreSQL the percentiles are taken in the database (`percentile_disc`, which is the
nearest-rank method: the value at rank ceil(p x n), computed the same way), so only one
row per queue and priority comes back; on SQLite (the embedded default) every wait of
the window is read and `referrals.waits` computes them. Both give the same figures
(tests/clinic/test_expected_waits.py compares them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from flask import current_app
from sqlalchemy import ColumnElement, func, literal_column, select

from clinic.extensions import db
from clinic.models import Referral, ReferralEvent
from clinic.models.columns import utcnow
from referrals.waits import (
    CLIENT_MINIMUM_SAMPLES,
    MINIMUM_SAMPLES,
    WaitEstimate,
    expected_waits,
    wait_for_clients,
)

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
    return current_figures(window).by_queue


def current_figures(window: timedelta = WINDOW, *, in_sql: bool | None = None) -> WaitFigures:
    """The figures of the last `window`. `in_sql` chooses the way (tests compare both):
    by default in the database on PostgreSQL, in Python elsewhere."""
    if in_sql is None:
        in_sql = db.session.get_bind().dialect.name == "postgresql"
    if in_sql:
        return _figures_in_sql(window)
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


def _figures_in_sql(window: timedelta) -> WaitFigures:
    """`current_figures` on PostgreSQL, in one pass over the window's scheduling steps:
    a row per (queue, priority) and a last row over them all (the grouping set `()`)
    for the clients' figure."""
    wait = ReferralEvent.created_at - Referral.created_at
    for_clients = Referral.priority != "urgent"
    rows = db.session.execute(
        select(
            func.grouping(Referral.queue, Referral.priority).label("overall"),
            Referral.queue,
            Referral.priority,
            func.count(),
            func.percentile_disc(0.5).within_group(wait),
            func.percentile_disc(0.9).within_group(wait),
            func.count().filter(for_clients),
            func.percentile_disc(0.9).within_group(wait).filter(for_clients),
        )
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .where(*_in_window(window))
        .group_by(literal_column("GROUPING SETS ((referral.queue, referral.priority), ())"))
    )
    by_queue: dict[tuple[str, str], WaitEstimate] = {}
    clients: timedelta | None = None
    for overall, queue, priority, count, median, p90, client_count, client_p90 in rows:
        if overall:
            if client_count >= CLIENT_MINIMUM_SAMPLES:
                clients = client_p90
        elif count >= MINIMUM_SAMPLES:
            by_queue[(queue, priority)] = WaitEstimate(queue, priority, median, p90, count)
    return WaitFigures(by_queue, clients)


def _in_window(window: timedelta) -> tuple[ColumnElement[bool], ...]:
    return (
        ReferralEvent.kind == "transition",
        ReferralEvent.to_status == "scheduled",
        ReferralEvent.created_at >= utcnow() - window,
    )


def _samples(window: timedelta) -> list[tuple[str, str, timedelta]]:
    rows = db.session.execute(
        select(Referral.queue, Referral.priority, Referral.created_at, ReferralEvent.created_at)
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .where(*_in_window(window))
    )
    return [(queue, priority, scheduled - made) for queue, priority, made, scheduled in rows]
