"""Two beats: one leads, the other stands by and takes over when the leader is killed;
and a live worker's heartbeat."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from clinic.operations import heartbeats
from tests.e2e.conftest import Stack
from tests.support.processes import LiveProcess, start_beat, start_worker, wait_until

pytestmark = pytest.mark.e2e

LEASE_SECONDS = "3"
SENT = "Sending due task"


def _leader_pid(app: Flask) -> int | None:
    with app.app_context():
        beat = heartbeats.beat()
        return None if beat is None else int(beat.owner.split(":")[1])


@pytest.mark.parametrize("stack", ["embedded", "postgres-redis"], indirect=True)
def test_a_standby_beat_takes_over_when_the_leader_is_killed(stack: Stack, tmp_path: Path) -> None:
    env = {**stack.env, "BEAT_LEASE_SECONDS": LEASE_SECONDS}
    app = stack.web_app()
    first = start_beat(env, tmp_path, "beat-a")
    second: LiveProcess | None = None
    try:
        wait_until(lambda: _leader_pid(app) == first.process.pid, what="beat-a to lead")
        first.wait_for_output(SENT)

        second = start_beat(env, tmp_path, "beat-b")
        second.wait_for_output("standing by")
        assert SENT not in second.output()  # a standby publishes nothing

        first.kill()

        standby = second
        wait_until(
            lambda: _leader_pid(app) == standby.process.pid,
            what="beat-b to take the lease",
            process=standby,
        )
        standby.wait_for_output(SENT)
    finally:
        first.stop()
        if second is not None:
            second.stop()


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
