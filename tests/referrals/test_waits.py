"""Expected waits: nearest-rank median and 90th percentile per queue and priority."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals.waits import expected_waits, in_plain_words, nearest_rank

DAY = timedelta(days=1)


def test_median_and_p90_by_nearest_rank_per_queue_and_priority() -> None:
    samples = [("emdr", "routine", d * DAY) for d in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)]
    samples += [("emdr", "priority", d * DAY) for d in (1, 2, 3, 4, 5)]
    samples += [("dbt", "routine", d * DAY) for d in (7, 7, 7, 7)]
    estimates = expected_waits(samples)
    routine = estimates[("emdr", "routine")]
    assert (routine.median, routine.p90, routine.count) == (50 * DAY, 90 * DAY, 10)
    assert estimates[("emdr", "priority")].p90 == 5 * DAY
    assert ("dbt", "routine") not in estimates  # four are too few to say anything


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([1], 90, 1),
        ([1, 2], 50, 1),
        ([1, 2, 3], 50, 2),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, 10),
    ],
)
def test_nearest_rank(values: list[int], percent: int, expected: int) -> None:
    assert nearest_rank([v * DAY for v in values], percent) == expected * DAY


@pytest.mark.parametrize(
    ("wait", "words"),
    [
        (DAY / 2, "a day"),
        (DAY, "a day"),
        (DAY * 1.2, "2 days"),
        (13 * DAY, "13 days"),
        (14 * DAY, "2 weeks"),
        (15 * DAY, "3 weeks"),
        (21 * DAY, "3 weeks"),
    ],
)
def test_waits_in_plain_words(wait: timedelta, words: str) -> None:
    assert in_plain_words(wait) == words


def test_clients_are_told_the_90th_percentile_of_non_urgent_waits_from_20() -> None:
    from referrals.waits import CLIENT_MINIMUM_SAMPLES, wait_for_clients

    assert CLIENT_MINIMUM_SAMPLES == 20
    routine = [("emdr", "routine", d * DAY) for d in range(1, 11)]
    priority = [("dbt", "priority", d * DAY) for d in range(11, 20)]
    urgent = [("intake", "urgent", DAY) for _ in range(30)]
    assert wait_for_clients(routine + priority + urgent) is None  # 19 that count
    enough = [*routine, *priority, ("play", "routine", 20 * DAY), *urgent]
    assert wait_for_clients(enough) == 18 * DAY  # rank ceil(0.9 x 20) = 18 of 1..20 days
