"""Expected waits: how long referrals of a queue took from made to scheduled.

From the waits of the referrals scheduled in a recent window (the clinic reads the
last 90 days), per queue and priority: the median and the 90th percentile, by the
nearest-rank method (each is a wait some referral really had). With fewer than
`minimum` referrals there is no estimate: a figure from two people would mislead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

MINIMUM_SAMPLES: Final = 5


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    queue: str
    priority: str
    median: timedelta
    p90: timedelta
    count: int

    def as_dict(self) -> dict[str, object]:
        return {
            "queue": self.queue,
            "priority": self.priority,
            "median_days": round(self.median / timedelta(days=1), 1),
            "p90_days": round(self.p90 / timedelta(days=1), 1),
            "referrals": self.count,
        }


def nearest_rank(ordered: list[timedelta], percent: int) -> timedelta:
    """The `percent`-th percentile of sorted values, by nearest rank."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def expected_waits(
    samples: Iterable[tuple[str, str, timedelta]], *, minimum: int = MINIMUM_SAMPLES
) -> dict[tuple[str, str], WaitEstimate]:
    """Per (queue, priority), from (queue, priority, wait) samples; groups with fewer than
    `minimum` samples are left out."""
    grouped: dict[tuple[str, str], list[timedelta]] = {}
    for queue, priority, wait in samples:
        grouped.setdefault((queue, priority), []).append(wait)
    estimates = {}
    for (queue, priority), waits in grouped.items():
        if len(waits) < minimum:
            continue
        ordered = sorted(waits)
        estimates[(queue, priority)] = WaitEstimate(
            queue, priority, nearest_rank(ordered, 50), nearest_rank(ordered, 90), len(ordered)
        )
    return estimates


def in_plain_words(wait: timedelta) -> str:
    """A wait as a client would say it: days under two weeks, else whole weeks (up)."""
    days = math.ceil(wait / timedelta(days=1))
    if days <= 1:
        return "a day"
    if days < 14:
        return f"{days} days"
    return f"{math.ceil(days / 7)} weeks"
