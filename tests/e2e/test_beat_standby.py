"""Two beats: one leads, the other stands by and takes over when the leader is killed;
and a live worker's heartbeat.

The takeover is a cell of the fault matrix (marker `faults`, `make faults`): intakes
committed while no beat leads, their outbox rows left for the sweep, are all routed once
the standby leads; the time from the kill until then is recorded, never asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import AuditEvent, IntakeSubmission, Referral
from clinic.operations import heartbeats
from tests.e2e.conftest import Stack
from tests.support.fault_record import FaultRecord
from tests.support.processes import LiveProcess, start_beat, start_worker, wait_until

pytestmark = pytest.mark.e2e

LEASE_SECONDS = "3"
SENT = "Sending due task"
INTAKES = 10


def _leader_pid(app: Flask) -> int | None:
    with app.app_context():
        beat = heartbeats.beat()
        return None if beat is None else int(beat.owner.split(":")[1])


def _routed(app: Flask) -> int:
    with app.app_context():
        statuses = db.session.scalars(select(IntakeSubmission.status)).all()
        return statuses.count("routed")


def _tally(app: Flask, record: FaultRecord) -> None:
    with app.app_context():
        routed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "submission.routed")
        ).all()
        referrals = int(db.session.scalar(select(func.count()).select_from(Referral)) or 0)
    record.submitted = INTAKES
    record.lost = INTAKES - _routed(app)
    record.duplicate_referrals = (len(routed) - len({event.target_id for event in routed})) + (
        referrals - sum(len(event.detail["referrals"]) for event in routed)
    )


@pytest.mark.faults
@pytest.mark.parametrize(
    "stack", ["embedded", "postgres-redis", "postgres-rabbitmq"], indirect=True
)
def test_a_standby_beat_takes_over_when_the_leader_is_killed(
    stack: Stack, tmp_path: Path, fault_record: Callable[[str, str], FaultRecord]
) -> None:
    record = fault_record("Beat leader killed, standby takes over", stack.name)
    record.recovery_from = (
        "the leader's kill until the standby leads and every intake committed meanwhile is routed"
    )
    env = {**stack.env, "BEAT_LEASE_SECONDS": LEASE_SECONDS}
    app = stack.web_app()
    worker = start_worker(env, tmp_path)
    first = start_beat(env, tmp_path, "beat-a")
    second: LiveProcess | None = None
    try:
        wait_until(lambda: _leader_pid(app) == first.process.pid, what="beat-a to lead")
        first.wait_for_output(SENT)

        second = start_beat(env, tmp_path, "beat-b")
        second.wait_for_output("standing by")
        assert SENT not in second.output()  # a standby publishes nothing

        first.kill()
        record.fault_ends()
        stack.pending_intakes(INTAKES)  # on a server broker: left for the sweep

        standby = second
        wait_until(
            lambda: _leader_pid(app) == standby.process.pid,
            what="beat-b to take the lease",
            process=standby,
        )
        standby.wait_for_output(SENT)
        wait_until(lambda: _routed(app) == INTAKES, what="routing", process=worker)
        record.back_to_normal()
        _tally(app, record)
        assert (record.lost, record.duplicate_referrals) == (0, 0)
    finally:
        first.stop()
        if second is not None:
            second.stop()
        worker.stop()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_a_live_worker_writes_its_heartbeat(stack: Stack, tmp_path: Path) -> None:
    app = stack.web_app()
    worker = start_worker(stack.env, tmp_path, "heartbeat-worker")

    def written() -> bool:
        with app.app_context():
            return any(
                w.name.startswith("worker:heartbeat-worker-") and not w.stale
                for w in heartbeats.workers()
            )

    try:
        wait_until(written, what="the worker's heartbeat", process=worker)
    finally:
        worker.stop()
