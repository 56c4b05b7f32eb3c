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
CLIENT_MINIMUM_SAMPLES: Final = 20
"""What a client is told needs more: a figure said to the public should rest on enough
people that one unusual wait barely moves it."""


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


def wait_for_clients(
    samples: Iterable[tuple[str, str, timedelta]], *, minimum: int = CLIENT_MINIMUM_SAMPLES
) -> timedelta | None:
    """What a client may be told on the confirmation page, before their intake is routed:
    the 90th percentile of the waits of routine and priority referrals of every queue
    together ("most people", nine in ten, waited no longer). Urgent referrals are left out
    (they are contacted at once, and would make the figure shorter than most wait). None
    with fewer than `minimum` waits."""
    waits = sorted(wait for _, priority, wait in samples if priority != "urgent")
    if len(waits) < minimum:
        return None
    return nearest_rank(waits, 90)


def in_plain_words(wait: timedelta) -> str:
    """A wait as a client would say it: days under two weeks, else whole weeks (up)."""
    days = math.ceil(wait / timedelta(days=1))
    if days <= 1:
        return "a day"
    if days < 14:
        return f"{days} days"
    return f"{math.ceil(days / 7)} weeks"
