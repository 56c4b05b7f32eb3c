"""`/metrics`: never public, counts what happens, reads what waits; the alert rules and
the dashboard use only metrics the app has."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from clinic.broker.names import Queues
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.routing.record import record_routing

REPO = Path(__file__).resolve().parents[2]
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "clinic-intake.json"
TOKEN = "metrics-token-for-the-test-5b2e"
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}


@pytest.fixture
def scraper(app: Flask) -> FlaskClient:
    app.config["METRICS_TOKEN"] = TOKEN
    return app.test_client()


def _scrape(client: FlaskClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _value(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def test_metrics_are_not_there_without_a_token_setting(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", TOKEN])
def test_a_scrape_without_the_token_is_refused(
    scraper: FlaskClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = scraper.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "clinic_" not in response.get_data(as_text=True)


def test_requests_intakes_and_decisions_are_counted(app: Flask, scraper: FlaskClient) -> None:
    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = {
        "requests": count(
            "clinic_http_requests_total", route="/healthz", method="GET", status="200"
        ),
        "submitted": count("clinic_intakes_submitted_total", path="adult_self"),
        "routed": count("clinic_intakes_routed_total", path="adult_self", status="routed"),
        "emdr": count("clinic_routing_decisions_total", queue="emdr", priority="routine"),
        "latency": count("clinic_submit_to_routed_seconds_count"),
    }
    assert scraper.get("/healthz").status_code == 200
    with app.app_context():
        submission_id = submit_intake(
            path="adult_self",
            subject_age=30,
            answers={"safety.now": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}},
            contact={},
        )
        db.session.commit()
        assert record_routing(str(submission_id)) == "routed"
        db.session.commit()

    text = _scrape(scraper)
    after = {
        "requests": _value(
            text, "clinic_http_requests_total", route="/healthz", method="GET", status="200"
        ),
        "submitted": _value(text, "clinic_intakes_submitted_total", path="adult_self"),
        "routed": _value(text, "clinic_intakes_routed_total", path="adult_self", status="routed"),
        "emdr": _value(text, "clinic_routing_decisions_total", queue="emdr", priority="routine"),
        "latency": _value(text, "clinic_submit_to_routed_seconds_count"),
    }
    assert after == {name: value + 1 for name, value in before.items()}
    assert _value(text, "clinic_http_request_duration_seconds_count", route="/healthz") is not None


def test_a_scrape_reads_what_is_waiting(app: Flask, scraper: FlaskClient) -> None:
    def depths(text: str) -> dict[str, float | None]:
        return {q: _value(text, "clinic_celery_queue_depth", queue=q) for q in Queues.all()}

    # The in-process memory:// broker is shared by every app of this test process.
    before = depths(_scrape(scraper))
    with app.app_context():
        submit_intake(path="adult_self", subject_age=30, answers={"safety.now": 1}, contact={})
        db.session.commit()
    text = _scrape(scraper)
    # Published after the commit, the row stays pending until its task marks it done.
    assert _value(text, "clinic_outbox_pending_rows", status="pending") == 1
    assert (_value(text, "clinic_outbox_oldest_pending_age_seconds") or 0) >= 0
    assert _value(text, "clinic_on_call_alerts_open") == 0
    assert _value(text, "clinic_broker_up") == 1
    after = depths(text)
    assert after[Queues.ROUTING] == (before[Queues.ROUTING] or 0) + 1
    assert all(after[q] == before[q] for q in Queues.all() if q != Queues.ROUTING)


def _registry_names(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def _used(expr: str) -> set[str]:
    return set(re.findall(r"\bclinic_[a-z_]+\b", expr))


def test_the_alert_rules_are_valid_and_use_only_metrics_the_app_has(
    scraper: FlaskClient,
) -> None:
    known = _registry_names(_scrape(scraper))
    rules = yaml.safe_load(ALERTS.read_text())
    [group] = rules["groups"]
    alerts = {rule["alert"]: rule for rule in group["rules"]}
    assert {
        "ClinicOutboxRowWaiting",
        "ClinicUrgentAlertUnacknowledged",
        "ClinicRoutingFailures",
        "ClinicBeatSilent",
    } <= alerts.keys()
    for rule in alerts.values():
        assert rule["labels"]["severity"] in ("page", "ticket")
        assert rule["annotations"]["summary"]
        assert _used(rule["expr"]), rule["alert"]
        assert _used(rule["expr"]) <= known, rule["alert"]
    assert "> 300" in alerts["ClinicOutboxRowWaiting"]["expr"]
    assert "> 600" in alerts["ClinicUrgentAlertUnacknowledged"]["expr"]


def test_the_dashboard_uses_only_metrics_the_app_has(scraper: FlaskClient) -> None:
    known = _registry_names(_scrape(scraper))
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert exprs
    used = set().union(*(_used(expr) for expr in exprs))
    assert used <= known
    assert {"clinic_celery_queue_depth", "clinic_beat_heartbeat_timestamp_seconds"} <= used
