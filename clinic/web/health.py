"""Liveness and readiness probes for load balancers and orchestrators.

`/readyz` answers 503 when the database or the broker cannot be reached, and
otherwise 200, with `status` `ready` or `degraded`: degraded when beat's
heartbeat is older than BEAT_STALE_SECONDS (or no beat has run yet), or when
the oldest outbox row not yet done is older than OUTBOX_STALE_SECONDS. A
degraded instance still serves (taking it out of a load balancer would help
nothing); the reasons say what to look at (the admins' operations page).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

from clinic.extensions import db
from clinic.operations import backlog, heartbeats

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    return {"status": "ok"}, 200


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def _broker_ok() -> bool:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True


def _operations() -> tuple[dict[str, Any], list[str]]:
    """Beat's liveness and the outbox's oldest unfinished row, and what is degraded."""
    degraded = []
    beat = heartbeats.beat()
    if beat is None or beat.stale:
        degraded.append("beat")
    outbox_age = backlog.oldest_unfinished_outbox_age()
    if outbox_age is not None and outbox_age > current_app.config["OUTBOX_STALE_SECONDS"]:
        degraded.append("outbox")
    operations = {
        "beat": {
            "alive": beat is not None and not beat.stale,
            "age_seconds": None if beat is None else round(beat.age_seconds, 1),
        },
        "outbox": {
            "oldest_unfinished_age_seconds": None if outbox_age is None else round(outbox_age, 1)
        },
    }
    return operations, degraded


@bp.route("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    if not all(checks.values()):
        return {"status": "not ready", "checks": checks}, 503
    operations, degraded = _operations()
    status = "degraded" if degraded else "ready"
    return {"status": status, "checks": checks, "operations": operations, "degraded": degraded}, 200
