"""The overview's median time to first contact: on PostgreSQL the database picks the
middle waits, and the figure is the same to the last bit as reading every wait (the way
on SQLite)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.models import ReferralEvent
from clinic.models.columns import utcnow
from clinic.staff.overview import cached_median_hours_to_contact, median_hours_to_contact
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

QUEUES = ("emdr", "dbt", "family", "play")


def _contacted(queue: str, *waits: timedelta, made_ago: timedelta) -> None:
    """A referral made `made_ago` ago, contacted after each of `waits` (the first counts)."""
    made = factories.referral()
    made.queue = queue
    made.created_at = utcnow() - made_ago
    for wait in waits:
        db.session.add(
            ReferralEvent(
                referral_id=made.id,
                kind="transition",
                from_status="accepted",
                to_status="contacted",
                created_at=made.created_at + wait,
            )
        )
    db.session.flush()


def test_the_median_to_first_contact_is_the_same_either_way(app: Flask) -> None:
    """The default way (in the database on PostgreSQL, in Python on SQLite) gives the
    figures worked out by hand; on PostgreSQL, reading every wait gives the same."""
    since = utcnow() - timedelta(weeks=8)
    hour = timedelta(hours=1)
    # Even: the mean of the middle two, waits a microsecond apart and in thirds of hours.
    for wait in (hour / 3, 2 * hour / 3, 5 * hour + timedelta(microseconds=1), 7 * hour):
        _contacted("emdr", wait, made_ago=timedelta(days=10))
    # Odd, with ties, one referral contacted twice (the first contact counts).
    for wait in (hour, hour, 3 * hour):
        _contacted("dbt", wait, made_ago=timedelta(days=3))
    _contacted("dbt", 30 * hour, 2 * hour, made_ago=timedelta(days=5))
    _contacted("dbt", 50 * hour, made_ago=timedelta(days=6))
    # One wait only; and one made before `since`, which is not counted.
    _contacted("family", timedelta(seconds=4321, microseconds=7), made_ago=timedelta(days=1))
    _contacted("family", 900 * hour, made_ago=timedelta(weeks=9))

    medians = median_hours_to_contact(QUEUES, since)

    assert medians["emdr"] == (2 / 3 + (5 + 1e-6 / 3600)) / 2
    assert medians["dbt"] == 2.0  # 1, 1, 2, 3, 50
    assert medians["family"] == 4321.000007 / 3600
    assert medians["play"] is None
    if db.engine.dialect.name == "postgresql":
        assert median_hours_to_contact(QUEUES, since, in_sql=True) == medians
        assert median_hours_to_contact(QUEUES, since, in_sql=False) == medians


def test_each_process_keeps_a_median_it_read_for_a_while(app: Flask) -> None:
    """The overview reads the median afresh at most every MEDIAN_KEPT_FOR seconds for the
    same queues and weeks; other queues are read for themselves."""
    since = utcnow() - timedelta(weeks=8)
    _contacted("emdr", timedelta(hours=1), made_ago=timedelta(days=2))
    first = cached_median_hours_to_contact(("emdr",), since)
    _contacted("emdr", timedelta(hours=9), made_ago=timedelta(days=2))

    assert cached_median_hours_to_contact(("emdr",), since) == first == {"emdr": 1.0}
    assert median_hours_to_contact(("emdr",), since) == {"emdr": 5.0}
    assert cached_median_hours_to_contact(("emdr", "dbt"), since) == {"emdr": 5.0, "dbt": None}
