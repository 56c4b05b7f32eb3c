"""Beat's leader lease and the background processes' heartbeats, in the database.

Beat runs with a leader lease so that a second beat can stand by: the row
`beat` names its owner and when the lease ends. The leader renews it every
third of BEAT_LEASE_SECONDS; a standby takes it only once it has ended. Taking
or renewing is one conditional UPDATE (owner is me, or the lease has ended),
so two beats can never both hold it, on PostgreSQL and on SQLite alike, and no
other service (Redis) is needed. The same row is beat's heartbeat (`beat_at`).

Each worker writes `worker:<hostname>` every WORKER_HEARTBEAT_SECONDS
(workers.heartbeat). Times are the processes' clocks: keep them in sync (NTP),
as the lease assumes.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clinic.extensions import db, rows_matched
from clinic.models import ServiceHeartbeat
from clinic.models.columns import utcnow

log = logging.getLogger(__name__)

BEAT = "beat"
WORKER_PREFIX = "worker:"
WORKER_STALE_FACTOR = 3


def process_owner() -> str:
    """This process, as a heartbeat's owner: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def hold_beat_lease(owner: str, lease_seconds: float, now: datetime | None = None) -> bool:
    """Take or renew beat's leader lease for `owner`; True while `owner` holds it.

    In the caller's transaction, which must commit at once (a unit of work).
    """
    now = now or utcnow()
    values = {"owner": owner, "beat_at": now, "lease_until": now + timedelta(seconds=lease_seconds)}
    result = db.session.execute(
        update(ServiceHeartbeat)
        .where(
            ServiceHeartbeat.name == BEAT,
            (ServiceHeartbeat.owner == owner)
            | ServiceHeartbeat.lease_until.is_(None)
            | (ServiceHeartbeat.lease_until < now),
        )
        .values(**values)
    )
    if rows_matched(result):
        return True
    if db.session.get(ServiceHeartbeat, BEAT) is not None:
        return False  # another beat holds it
    db.session.add(ServiceHeartbeat(name=BEAT, **values))  # the very first beat
    return True


def write_worker_heartbeat(
    hostname: str, now: datetime | None = None, session: Session | None = None
) -> ServiceHeartbeat:
    """This worker is alive (in the caller's transaction; `session`: default the app's)."""
    active = session if session is not None else db.session()
    row = active.get(ServiceHeartbeat, WORKER_PREFIX + hostname)
    if row is None:
        row = ServiceHeartbeat(name=WORKER_PREFIX + hostname, owner=process_owner())
        active.add(row)
    row.owner = process_owner()
    row.beat_at = now or utcnow()
    active.flush()
    return row


@dataclass(frozen=True)
class Heartbeat:
    """A process's last sign of life, as staff and `/readyz` see it."""

    name: str
    owner: str
    beat_at: datetime
    age_seconds: float
    stale: bool


def beat(now: datetime | None = None) -> Heartbeat | None:
    """Beat's heartbeat (None: no beat has ever run); stale after BEAT_STALE_SECONDS."""
    row = db.session.get(ServiceHeartbeat, BEAT)
    if row is None:
        return None
    return _shown(row, float(current_app.config["BEAT_STALE_SECONDS"]), now or utcnow())


def workers(now: datetime | None = None) -> Sequence[Heartbeat]:
    """Every worker's heartbeat, newest first; stale after three missed heartbeats."""
    stale_after = WORKER_STALE_FACTOR * float(current_app.config["WORKER_HEARTBEAT_SECONDS"])
    rows = db.session.scalars(
        select(ServiceHeartbeat)
        .where(ServiceHeartbeat.name.startswith(WORKER_PREFIX))
        .order_by(ServiceHeartbeat.beat_at.desc())
        .limit(100)
    )
    return [_shown(row, stale_after, now or utcnow()) for row in rows]


def _shown(row: ServiceHeartbeat, stale_after: float, now: datetime) -> Heartbeat:
    age = max(0.0, (now - row.beat_at).total_seconds())
    return Heartbeat(row.name, row.owner, row.beat_at, age, age > stale_after)
