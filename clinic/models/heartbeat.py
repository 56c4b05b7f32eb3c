"""Heartbeats of the background processes, and beat's leader lease.

One row per process kind or instance: `beat` (the leader's lease: a second beat
stands by until `lease_until` has passed without a renewal, then takes over)
and `worker:<hostname>` (each worker's last sign of life). Beat's row is both
its leader lock and its heartbeat; `/readyz` and the operations page read the
times (clinic.operations.heartbeats).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import Model
from clinic.models.columns import UTCDateTime, utcnow


class ServiceHeartbeat(Model):
    __tablename__ = "service_heartbeat"

    name: Mapped[str] = mapped_column(
        String(200), primary_key=True, comment="beat, or worker:<hostname>"
    )
    owner: Mapped[str] = mapped_column(
        String(200), nullable=False, comment="the process that wrote it (host and pid)"
    )
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="beat: the leader's lease ends (null for workers)"
    )
