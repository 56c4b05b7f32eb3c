from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from clinic.broker import celery_app


def test_healthz_says_the_process_is_up(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_readyz_checks_database_and_broker(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": True, "broker": True}}


def test_readyz_is_503_when_the_broker_is_unreachable(app: Flask, client: FlaskClient) -> None:
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:9/0"
    celery_app.init_app(app)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": True, "broker": False}
