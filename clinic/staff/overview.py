"""Numbers for the overview page: referrals per week, waiting to first contact, open urgent."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects.postgresql import array

from clinic.models import Referral, ReferralEvent
from clinic.models.reads import reads
from clinic.staff.queue_query import open_statuses

WEEKS = 8
MEDIAN_KEPT_FOR = 300
"""Seconds each web process keeps a median to first contact it read (`cached_median...`)."""
_MEDIANS = "overview_medians"
"""Key in `app.extensions`: the medians read, by (queues, first week), with when."""
UPPER_MIDDLE = 0.5 + 1e-12
"""`percentile_disc(f)` is the wait at row ceil(f * n) of n in order: at 0.5 the lower
middle one, at a hair above 0.5 the upper middle one (row n/2 + 1 when n is even, the
same row as 0.5 when n is odd) for any n below 10^11."""


def week_starts(now: datetime, zone: ZoneInfo, weeks: int = WEEKS) -> list[datetime]:
    """Mondays 00:00 (clinic time) of the last `weeks` weeks, oldest first."""
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def referrals_per_week(queues: Sequence[str], starts: Sequence[datetime]) -> dict[str, list[int]]:
    """Referrals received per queue in each week starting at `starts` (one query over the
    weeks' date range, `ix_referral_created_at`, from the index alone on PostgreSQL)."""
    counts = {queue: [0] * len(starts) for queue in queues}
    if not queues or not starts:
        return counts
    end = starts[-1] + timedelta(weeks=1)
    week = case(
        *((Referral.created_at >= start, n) for n, start in reversed(list(enumerate(starts)))),
        else_=0,
    ).label("week")
    rows = reads().execute(
        select(Referral.queue, week, func.count())
        .where(
            Referral.queue.in_(queues),
            Referral.created_at >= starts[0],
            Referral.created_at < end,
        )
        .group_by(Referral.queue, week)
    )
    for queue, n, count in rows:
        counts[queue][n] = count
    return counts


def median_hours_to_contact(
    queues: Sequence[str], since: datetime, *, in_sql: bool | None = None
) -> dict[str, float | None]:
    """Median hours from referral to its first `contacted` step, for referrals since `since`.

    Bounded to the date range: a referral made since `since` was first contacted since
    then too, so only the `contacted` transitions since `since` are read (through
    `ix_referral_event_contacted`), never the whole history.

    On PostgreSQL (`in_sql`, the default there) the database returns each queue's two
    middle waits from one sort of them (`percentile_disc` at 0.5 and at `UPPER_MIDDLE`:
    the same wait twice when their number is odd) and their mean is taken here exactly as
    `statistics.median` takes it, so the figure is the same to the last bit as reading
    every wait (the way on SQLite; tests/clinic/staff/test_overview_median.py compares).
    """
    if not queues:
        return {}
    if in_sql is None:
        in_sql = reads().get_bind().dialect.name == "postgresql"
    first_contact = (
        select(ReferralEvent.referral_id, func.min(ReferralEvent.created_at).label("at"))
        .where(
            ReferralEvent.to_status == "contacted",
            ReferralEvent.kind == "transition",
            ReferralEvent.created_at >= since,
        )
        .group_by(ReferralEvent.referral_id)
        .subquery()
    )
    wait = first_contact.c.at - Referral.created_at
    joined = (
        select(Referral.queue)
        .join(first_contact, first_contact.c.referral_id == Referral.id)
        .where(and_(Referral.queue.in_(queues), Referral.created_at >= since))
    )
    medians: dict[str, float | None] = dict.fromkeys(queues)
    if in_sql:
        middles = reads().execute(
            joined.add_columns(
                func.percentile_disc(array([0.5, UPPER_MIDDLE])).within_group(wait)
            ).group_by(Referral.queue)
        )
        for queue, (lower, upper) in middles:
            medians[queue] = (_hours(lower) + _hours(upper)) / 2
        return medians
    waits: dict[str, list[float]] = {queue: [] for queue in queues}
    for queue, created, contacted in reads().execute(
        joined.add_columns(Referral.created_at, first_contact.c.at)
    ):
        waits[queue].append(_hours(contacted - created))
    medians.update({q: statistics.median(w) for q, w in waits.items() if w})
    return medians


def cached_median_hours_to_contact(
    queues: Sequence[str], since: datetime
) -> dict[str, float | None]:
    """`median_hours_to_contact`, read at most once every MEDIAN_KEPT_FOR seconds by each
    web process for the same queues and weeks: a median over eight weeks barely moves in
    five minutes, and with a million referrals reading it is most of the page's time. The
    weekly counts and the open urgent referrals are read afresh every time."""
    kept: dict[tuple[tuple[str, ...], datetime], tuple[float, dict[str, float | None]]]
    kept = current_app.extensions.setdefault(_MEDIANS, {})
    now = time.monotonic()
    key = (tuple(queues), since)
    found = kept.get(key)
    if found is not None and now - found[0] < MEDIAN_KEPT_FOR:
        return dict(found[1])
    medians = median_hours_to_contact(queues, since)
    for stale in [k for k, (at, _) in kept.items() if now - at >= MEDIAN_KEPT_FOR]:
        del kept[stale]
    kept[key] = (now, medians)
    return dict(medians)


def _hours(wait: timedelta) -> float:
    return wait.total_seconds() / 3600


def open_urgent(queues: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(queues, 0)
    rows = reads().execute(
        select(Referral.queue, func.count())
        .where(
            Referral.queue.in_(queues),
            open_statuses(),
            Referral.priority == "urgent",
        )
        .group_by(Referral.queue)
    )
    for queue, count in rows:
        counts[queue] = count
    return counts
