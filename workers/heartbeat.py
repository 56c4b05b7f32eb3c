"""Each worker's heartbeat: a bootstep that writes one every WORKER_HEARTBEAT_SECONDS.

A bootstep on the worker's own timer (not a scheduled task), so every worker
writes its own, even with beat gone, and a worker stuck or killed stops writing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps

from clinic.models.unit_of_work import unit_of_work
from clinic.operations.heartbeats import write_worker_heartbeat

log = logging.getLogger(__name__)


class WorkerHeartbeat(bootsteps.StartStopStep):  # type: ignore[misc]
    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref: Any = None

    def start(self, worker: Any) -> None:
        flask_app = worker.app.flask_app
        interval = float(flask_app.config["WORKER_HEARTBEAT_SECONDS"])
        self._write(worker)
        self.timer_ref = worker.timer.call_repeatedly(interval, self._write, (worker,), priority=10)

    def stop(self, worker: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    @staticmethod
    def _write(worker: Any) -> None:
        try:
            with worker.app.flask_app.app_context(), unit_of_work():
                write_worker_heartbeat(worker.hostname)
        except Exception as exc:  # the database is away: the next beat tries again
            log.warning("worker heartbeat not written (%s)", type(exc).__name__)
