"""Production counts sign-in limits in shared storage only, and the client's address is
the one TRUSTED_PROXY_HOPS reverse proxies report: limits and the audit log see each
client, never the proxy (nor a forged header when no proxy is trusted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic import create_app, trust_proxies
from clinic.app import ConfigurationError
from clinic.extensions import db
from clinic.models import AuditEvent
from tests.conftest import TEST_ENCRYPTION_KEYS, TEST_SECRET_KEY, app_overrides
from tests.support.html import csrf_token


def _production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, storage: str) -> Flask:
    for name, value in {
        "APP_ENV": "production",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite'}",
        "CELERY_BROKER_URL": "memory://",
        "CLINIC_BASE_URL": "https://intake.clinic.example",
        "RATELIMIT_STORAGE_URI": storage,
    }.items():
        monkeypatch.setenv(name, value)
    return create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_to_start_with_limits_counted_in_each_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI to name a Redis server"):
        _production(monkeypatch, tmp_path, "memory://")


def test_production_starts_with_limits_in_redis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = _production(monkeypatch, tmp_path, "redis://127.0.0.1:6379/1")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"


def test_trusted_proxy_hops_wrap_the_app_in_proxy_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    trusting = create_app(app_overrides(url, tmp_path / "a", TRUSTED_PROXY_HOPS=2))
    assert isinstance(trusting.wsgi_app, ProxyFix)
    assert (trusting.wsgi_app.x_for, trusting.wsgi_app.x_proto) == (2, 2)
    assert not isinstance(create_app(app_overrides(url, tmp_path / "b")).wsgi_app, ProxyFix)
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_HOPS"):
        create_app(app_overrides(url, tmp_path / "c", TRUSTED_PROXY_HOPS=-1))


def _failed_sign_in_address(app: Flask, forwarded_for: str) -> str | None:
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login",
        data={"email": "nobody@example.org", "password": "not it at all!", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
    )
    assert response.status_code == 200
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "staff.sign_in_failed")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        return event.ip


def test_the_audit_log_records_the_address_the_trusted_proxy_saw(app: Flask) -> None:
    app.config["TRUSTED_PROXY_HOPS"] = 1
    trust_proxies(app)
    # The proxy appends the address it saw; an address the client made up comes before it.
    assert _failed_sign_in_address(app, "10.9.9.9, 203.0.113.7") == "203.0.113.7"


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app: Flask) -> None:
    assert _failed_sign_in_address(app, "203.0.113.7") == "127.0.0.1"
