"""Each worker's heartbeat: a bootstep that writes one every WORKER_HEARTBEAT_SECONDS.

A bootstep on the worker's own timer (not a scheduled task), so every worker
writes its own, even with beat gone, and a worker stuck or killed stops writing.

It runs in the worker's main process, which forks the pool's processes: it must
leave no database connection behind for a child to inherit (two processes on
one connection corrupt it). So it has an engine of its own without a pool (each
heartbeat opens and closes its connection) and a plain session, never the
app's `db.session`.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from clinic.operations.heartbeats import write_worker_heartbeat

log = logging.getLogger(__name__)


class WorkerHeartbeat(bootsteps.StartStopStep):  # type: ignore[misc]
    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref: Any = None
        self.engine: Engine | None = None

    def start(self, worker: Any) -> None:
        config = worker.app.flask_app.config
        self.engine = create_engine(config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
        self._write(worker)
        self.timer_ref = worker.timer.call_repeatedly(
            float(config["WORKER_HEARTBEAT_SECONDS"]), self._write, (worker,), priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def _write(self, worker: Any) -> None:
        if self.engine is None:
            return
        try:
            with Session(self.engine) as session, session.begin():
                write_worker_heartbeat(worker.hostname, session=session)
        except Exception as exc:  # the database is away: the next beat tries again
            log.warning("worker heartbeat not written (%s)", type(exc).__name__)
