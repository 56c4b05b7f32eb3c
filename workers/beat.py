"""Beat with a leader lease: run two beats and one stands by (`beat_scheduler`).

Why a custom scheduler rather than a check inside each scheduled task: a
standby beat then publishes nothing at all (no duplicate sweep messages on the
broker, no task to discard on the workers), and the scheduled tasks stay plain.
The lease itself is a row in the database (clinic.operations.heartbeats): the
database is the one service every deployment has (an advisory lock would need
PostgreSQL and a held connection, a Redis lock a Redis broker).

Every third of BEAT_LEASE_SECONDS the scheduler takes or renews the lease. The
leader runs the schedule as usual; a standby only keeps trying, and takes over
once the leader has missed its renewals for BEAT_LEASE_SECONDS (its lease
ended). A leader that cannot renew (its database is away) stops publishing at
once, before its lease can pass to another. The schedule is kept in memory
(`celery.beat.Scheduler`): a beat that takes over runs each entry once at
start, which every scheduled task allows (each is an idempotent sweep).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from celery.beat import Scheduler

from clinic.models.unit_of_work import unit_of_work
from clinic.observability import metrics
from clinic.operations.heartbeats import hold_beat_lease, process_owner

log = logging.getLogger(__name__)


class LeaderScheduler(Scheduler):  # type: ignore[misc]
    """Celery beat's scheduler, run only while this beat holds the leader lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.owner = f"{process_owner()}:{uuid.uuid4().hex[:8]}"
        self.leading = False
        self._announced: bool | None = None  # what the log last said
        self._renew_at = 0.0
        super().__init__(*args, **kwargs)

    @property
    def _lease_seconds(self) -> float:
        return float(self.app.flask_app.config["BEAT_LEASE_SECONDS"])

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Renew the lease when due; run the schedule only while leading."""
        now = time.monotonic()
        if now >= self._renew_at:
            self._renew_at = now + self._lease_seconds / 3
            self._set_leading(self._hold())
        wait = max(0.0, self._renew_at - time.monotonic())
        if not self.leading:
            return wait
        metrics.BEAT_HEARTBEAT.set_to_current_time()
        return float(min(super().tick(*args, **kwargs), wait))

    def _hold(self) -> bool:
        try:
            with self.app.flask_app.app_context(), unit_of_work():
                return hold_beat_lease(self.owner, self._lease_seconds)
        except Exception as exc:  # the database is away: do not lead blind
            log.warning("beat: could not renew the leader lease (%s)", type(exc).__name__)
            return False

    def _set_leading(self, leading: bool) -> None:
        if leading != self._announced:
            log.warning(
                "beat %s: %s", self.owner, "leading" if leading else "standing by (another leads)"
            )
        self.leading = self._announced = leading
