"""Prometheus metrics counted where things happen (web, workers, beat).

Counters and histograms live in prometheus_client's default registry. Under
gunicorn and the prefork worker each process counts on its own: with
PROMETHEUS_MULTIPROC_DIR set (to an empty folder per machine, before the
processes start) they write to files there, and a scrape adds them up
(clinic.web.metrics for the web, `python -m clinic.observability.exporter` on a
worker machine). What is read from the database or the broker at scrape time
(outbox rows, queue depths, open on-call alerts) is in clinic.web.metrics.

Labels are fixed words (route templates, paths, queues, priorities, channels),
never an id or anything a person wrote.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
ROUTING_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
ACK_BUCKETS: Final = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200)

HTTP_REQUESTS: Final = Counter(
    "clinic_http_requests",
    "Web requests answered, by route template, method and status.",
    ("route", "method", "status"),
)
HTTP_LATENCY: Final = Histogram(
    "clinic_http_request_duration_seconds",
    "Time to answer a web request, by route template and method.",
    ("route", "method"),
    buckets=LATENCY_BUCKETS,
)
INTAKES_SUBMITTED: Final = Counter(
    "clinic_intakes_submitted", "Intakes submitted for routing, by path.", ("path",)
)
INTAKES_ROUTED: Final = Counter(
    "clinic_intakes_routed",
    "Intakes routed, by path and outcome (routed, needs_review).",
    ("path", "status"),
)
ROUTING_DECISIONS: Final = Counter(
    "clinic_routing_decisions",
    "Referrals made by routing, by queue and priority.",
    ("queue", "priority"),
)
ROUTING_FAILURES: Final = Counter(
    "clinic_routing_failures",
    "Routing tasks that failed for good (marked failed for staff) or could not decide "
    "(sent to general intake review), by reason.",
    ("reason",),
)
SUBMIT_TO_ROUTED: Final = Histogram(
    "clinic_submit_to_routed_seconds",
    "Time from an intake's submission to its referrals being written.",
    buckets=ROUTING_BUCKETS,
)
NOTIFICATIONS: Final = Counter(
    "clinic_notifications",
    "Messages by channel and outcome: sent, failed (for good), retrying (a passing "
    "failure), unknown (a send that never finished, tried again).",
    ("channel", "outcome"),
)
ON_CALL_TIME_TO_ACKNOWLEDGE: Final = Histogram(
    "clinic_on_call_time_to_acknowledge_seconds",
    "Time from an on-call alert's first page to a staff member acknowledging it.",
    buckets=ACK_BUCKETS,
)
BEAT_HEARTBEAT: Final = Gauge(
    "clinic_beat_heartbeat_timestamp_seconds",
    "When celery beat last looked at its schedule (Unix time).",
    multiprocess_mode="max",
)
