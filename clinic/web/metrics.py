"""`/metrics` for Prometheus, behind a bearer token, and the web's request metrics.

Without METRICS_TOKEN the page does not exist (404); with it, a scrape without
the token is refused (401). Besides what the processes counted
(clinic.observability.metrics, added up over every process of this machine in
multiprocess mode), a scrape reads what is waiting now: outbox rows not done
and the age of the oldest, each queue's depth on the broker, on-call alerts
not acknowledged and the age of the oldest.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from clinic.broker.names import Queues
from clinic.extensions import db
from clinic.models import OnCallAlert, OutboxMessage
from clinic.models.columns import utcnow
from clinic.observability import metrics

bp = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BROKER_TIMEOUT = 2.0


def _age(oldest: datetime | None) -> float:
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0


class WaitingNow(Collector):
    """What is waiting at the moment of the scrape, read from the database and broker."""

    def collect(self) -> Iterator[Metric]:
        yield from self._outbox()
        yield from self._on_call()
        yield from self._queues()

    def _outbox(self) -> Iterator[Metric]:
        rows = db.session.execute(
            select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_(("pending", "published")))
            .group_by(OutboxMessage.status)
        ).all()
        pending = GaugeMetricFamily(
            "clinic_outbox_pending_rows",
            "Outbox rows not done yet, by status (pending: not yet taken by the broker).",
            labels=["status"],
        )
        counts = {status: count for status, count, _ in rows}
        for status in ("pending", "published"):
            pending.add_metric([status], counts.get(status, 0))
        yield pending
        oldest = min((first for _, _, first in rows if first is not None), default=None)
        yield GaugeMetricFamily(
            "clinic_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not done yet (0 when none).",
            value=_age(oldest),
        )

    def _on_call(self) -> Iterator[Metric]:
        count, oldest = db.session.execute(
            select(func.count(), func.min(OnCallAlert.created_at)).where(
                OnCallAlert.acknowledged_at.is_(None)
            )
        ).one()
        yield GaugeMetricFamily(
            "clinic_on_call_alerts_open", "On-call alerts not acknowledged.", value=count
        )
        yield GaugeMetricFamily(
            "clinic_on_call_oldest_unacknowledged_seconds",
            "Age of the oldest on-call alert not acknowledged (0 when none).",
            value=_age(oldest),
        )

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "clinic_celery_queue_depth", "Tasks waiting on the broker, by queue.", labels=["queue"]
        )
        celery = current_app.extensions["celery"]
        try:
            with celery.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
                channel = connection.channel()
                for queue in Queues.all():
                    try:
                        depth.add_metric([queue], channel.queue_declare(queue, passive=True)[1])
                    except connection.channel_errors:  # never declared: nothing waits
                        depth.add_metric([queue], 0)
                        channel = connection.channel()
            up = 1
        except Exception:  # the broker is down: say so, and no depth
            up = 0
        yield GaugeMetricFamily("clinic_broker_up", "1 when the broker answered.", value=up)
        if up:
            yield depth


def _counted() -> bytes:
    """What the processes counted: every process of this machine in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def _authorised() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@bp.route("/metrics")
def scrape() -> Response:
    if not _authorised():
        return Response("unauthorised\n", 401, {"WWW-Authenticate": "Bearer"})
    waiting = CollectorRegistry(auto_describe=False)
    waiting.register(WaitingNow())
    return Response(_counted() + generate_latest(waiting), 200, {"Content-Type": CONTENT_TYPE})


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _answered(response: Any) -> Any:
    started = g.pop("metrics_started", None)
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.HTTP_REQUESTS.labels(
        route=route, method=request.method, status=response.status_code
    ).inc()
    if started is not None:
        metrics.HTTP_LATENCY.labels(route=route, method=request.method).observe(
            time.perf_counter() - started
        )
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_started)
    app.after_request(_answered)
