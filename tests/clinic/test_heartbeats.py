"""Beat's leader lease and the heartbeats (clinic.operations.heartbeats)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.operations import heartbeats

pytestmark = pytest.mark.usefixtures("app_context")


def _hold(owner: str, seconds_from_now: float = 0.0, lease: float = 30.0) -> bool:
    with unit_of_work():
        now = utcnow() + timedelta(seconds=seconds_from_now)
        return heartbeats.hold_beat_lease(owner, lease, now=now)


def test_one_beat_leads_and_a_second_stands_by_until_the_lease_ends(app: Flask) -> None:
    assert _hold("beat-a")
    assert not _hold("beat-b")
    assert _hold("beat-a", seconds_from_now=20)  # renewed: the lease runs from here
    assert not _hold("beat-b", seconds_from_now=45)
    assert _hold("beat-b", seconds_from_now=51)  # a's lease ended unrenewed: b takes over
    assert not _hold("beat-a", seconds_from_now=52)
    beat = heartbeats.beat(now=utcnow() + timedelta(seconds=52))
    assert beat is not None and beat.owner == "beat-b"


def test_beat_is_stale_after_beat_stale_seconds(app: Flask) -> None:
    assert heartbeats.beat() is None
    _hold("beat-a")
    stale_after = app.config["BEAT_STALE_SECONDS"]
    assert not _beat_at(stale_after - 1).stale
    assert _beat_at(stale_after + 1).stale


def _beat_at(seconds_from_now: float) -> heartbeats.Heartbeat:
    beat = heartbeats.beat(now=utcnow() + timedelta(seconds=seconds_from_now))
    assert beat is not None
    return beat


def test_each_worker_writes_its_own_heartbeat(app: Flask) -> None:
    with unit_of_work():
        heartbeats.write_worker_heartbeat("w1@host")
        heartbeats.write_worker_heartbeat("w2@host", now=utcnow() - timedelta(hours=1))
        heartbeats.write_worker_heartbeat("w1@host")
    shown = {w.name: w.stale for w in heartbeats.workers()}
    assert shown == {"worker:w1@host": False, "worker:w2@host": True}
