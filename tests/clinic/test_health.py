from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from clinic.broker import celery_app
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.operations.heartbeats import hold_beat_lease
from tests import factories


def test_healthz_says_the_process_is_up(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def _beat_alive(app: Flask, seconds_ago: float = 0.0) -> None:
    with app.app_context(), unit_of_work():
        hold_beat_lease("beat-a", 30, now=utcnow() - timedelta(seconds=seconds_ago))


def test_readyz_checks_database_and_broker(app: Flask, client: FlaskClient) -> None:
    _beat_alive(app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert response.json["checks"] == {"database": True, "broker": True}
    assert response.json["operations"]["beat"]["alive"] is True
    assert response.json["operations"]["outbox"] == {"oldest_unfinished_age_seconds": None}
    assert response.json["degraded"] == []


def test_readyz_is_degraded_not_failing_without_a_live_beat(
    app: Flask, client: FlaskClient
) -> None:
    assert client.get("/readyz").json["degraded"] == ["beat"]  # no beat has run yet

    _beat_alive(app, seconds_ago=app.config["BEAT_STALE_SECONDS"] + 1)
    response = client.get("/readyz")

    assert (response.status_code, response.json["status"]) == (200, "degraded")
    assert response.json["degraded"] == ["beat"]
    assert response.json["operations"]["beat"]["alive"] is False
    assert response.json["operations"]["beat"]["age_seconds"] > app.config["BEAT_STALE_SECONDS"]


def test_readyz_is_degraded_when_an_outbox_row_is_left_undone_too_long(
    app: Flask, client: FlaskClient
) -> None:
    _beat_alive(app)
    stale = app.config["OUTBOX_STALE_SECONDS"]
    with app.app_context(), unit_of_work():
        fresh = factories.outbox_message()
        fresh.status = "published"
    assert client.get("/readyz").json["status"] == "ready"

    with app.app_context(), unit_of_work():
        old = factories.outbox_message()
        old.created_at = utcnow() - timedelta(seconds=stale + 5)
    response = client.get("/readyz")

    assert (response.status_code, response.json["degraded"]) == (200, ["outbox"])
    assert response.json["operations"]["outbox"]["oldest_unfinished_age_seconds"] > stale


def test_readyz_is_503_when_the_broker_is_unreachable(app: Flask, client: FlaskClient) -> None:
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:9/0"
    celery_app.init_app(app)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": True, "broker": False}
