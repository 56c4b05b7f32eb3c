"""Beat's scheduler: Celery's own, which also says when it last looked at the schedule
(`clinic_beat_heartbeat_timestamp_seconds`), so that a silent beat raises an alert."""

from __future__ import annotations

from typing import Any

from celery.beat import PersistentScheduler

from clinic.observability import metrics


class HeartbeatScheduler(PersistentScheduler):  # type: ignore[misc]
    def tick(self, *args: Any, **kwargs: Any) -> float:
        metrics.BEAT_HEARTBEAT.set_to_current_time()
        return float(super().tick(*args, **kwargs))
