"""The production topology on this machine: nginx (TLS, the shipped site) in front of
two gunicorn instances, a worker, beat, PostgreSQL and Redis, all with production
settings. Intakes go in through nginx and are routed; a coordinator signs in to the
console through nginx over TLS (a Secure `__Host-` cookie); the audit log has the
client's address; /metrics answers only with its token; `flask doctor` finds nothing
unsafe."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from clinic import create_app
from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import AuditEvent
from clinic.models.columns import utcnow
from clinic.security.instance_secrets import new_encryption_key_entry
from config.settings import SETTINGS
from tests import factories
from tests.conftest import apply_migrations
from tests.support.brokers import redis_database
from tests.support.nginx import nginx_binary, render_site
from tests.support.processes import LiveProcess
from tests.support.services import create_postgres_database, drop_postgres_database, service_url
from tests.support.smtp import SmtpServer, free_port
from tests.support.tls_client import CLIENT_ADDRESS, TlsClient
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.smoke]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PROXY_SETTING = "TRUSTED_PROXY_HOPS" in {s.name for s in SETTINGS}
INTAKES = [
    {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1}},
    {"path": "teen_self", "subject_age": 15, "answers": {"asq.1": 1, "asq.5": 0}},
    {"path": "caregiver_child", "subject_age": 6, "answers": {"safety.now": 1}},
]
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The production environment of the deployment, its database migrated."""
    with ExitStack() as cleanup:
        smtp = SmtpServer()
        smtp.start()
        cleanup.callback(smtp.stop)
        database = create_postgres_database(service_url("postgres"))
        cleanup.callback(drop_postgres_database, database)
        apply_migrations(database, tmp_path / "migrate")
        https_port = free_port()
        (tmp_path / "metrics").mkdir()
        settings = {s.name for s in SETTINGS} | {"TRUSTED_PROXY_HOPS"}
        env = {k: v for k, v in os.environ.items() if k not in settings}
        yield {
            **env,
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "ENCRYPTION_KEYS": new_encryption_key_entry("k1"),
            "KEY_BACKUP_NOTE": "smoke test: none",
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": cleanup.enter_context(redis_database()),
            "RATELIMIT_STORAGE_URI": cleanup.enter_context(redis_database()),
            "TRUSTED_PROXY_HOPS": "1",
            "METRICS_TOKEN": secrets.token_hex(16),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_USE_TLS": "false",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "CLINIC_BASE_URL": f"https://127.0.0.1:{https_port}",
            "HTTPS_PORT": str(https_port),
        }


def _staff_and_token(env: dict[str, str], tmp_path: Path) -> tuple[str, str]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": env["SECRET_KEY"],
            "ENCRYPTION_KEYS": env["ENCRYPTION_KEYS"],
            "CELERY_BROKER_URL": "memory://",
            "INSTANCE_PATH": str(tmp_path / "setup"),
        }
    )
    with app.app_context():
        coordinator = factories.coordinator(email="smoke-coordinator@example.org")
        coordinator.mfa_secret = MFA_SECRET
        coordinator.mfa_confirmed_at = utcnow()
        token = create_token(coordinator, "smoke")
        db.session.commit()
        email = coordinator.email
        db.session.remove()
        db.engine.dispose()
    return email, token


def _start(
    name: str, argv: list[str], env: dict[str, str], tmp_path: Path, ready: str
) -> LiveProcess:
    process = LiveProcess(name, argv, env, tmp_path / f"{name}.log")
    process.wait_for_output(ready)
    return process


def _sign_in(client: TlsClient, email: str) -> None:
    login = client.request("GET", "/staff/login")
    assert login.status == 200
    csrf = _CSRF.search(login.body)
    assert csrf
    password = {"email": email, "password": factories.STAFF_PASSWORD, "csrf_token": csrf.group(1)}
    step = client.request("POST", "/staff/login", form=password)
    assert step.status == 302, step.body
    code_page = client.request("GET", step.headers["Location"])
    csrf = _CSRF.search(code_page.body)
    assert csrf
    code = {"code": pyotp.TOTP(MFA_SECRET).now(), "csrf_token": csrf.group(1)}
    done = client.request("POST", step.headers["Location"], form=code)
    assert done.status == 302, done.body


def test_the_production_topology_behind_nginx(deployment: dict[str, str], tmp_path: Path) -> None:
    env = deployment
    email, token = _staff_and_token(env, tmp_path)
    web_ports = [free_port(), free_port()]
    config = render_site(
        tmp_path / "nginx",
        http_port=free_port(),
        https_port=int(env["HTTPS_PORT"]),
        upstreams=web_ports,
    )
    gunicorn = [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "clinic:create_app()"]
    celery = [str(BIN / "celery"), "-A", "workers.entry"]
    processes: list[LiveProcess] = []
    try:
        for number, port in enumerate(web_ports):
            web_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
            processes.append(_start(f"web{number}", gunicorn, web_env, tmp_path, "Booting worker"))
        worker = [*celery, "worker", "--loglevel", "INFO", "--concurrency", "1"]
        processes.append(_start("worker", worker, env, tmp_path, " ready."))
        beat = [*celery, "beat", "--loglevel", "INFO"]
        processes.append(_start("beat", beat, env, tmp_path, "beat: Starting"))
        nginx = LiveProcess(
            "nginx", [nginx_binary(), "-p", str(config.parent), "-c", str(config)], env,
            tmp_path / "nginx.log",
        )  # fmt: skip
        processes.append(nginx)
        https = int(env["HTTPS_PORT"])
        wait_until(lambda: _port_open(https), 60, "nginx to listen", nginx)
        client = TlsClient(https, config.parent / "cert.pem")

        api = {"Authorization": f"Bearer {token}"}
        ids = []
        for intake in INTAKES:
            answer = client.request("POST", "/api/v1/intakes", body=intake, headers=api)
            assert answer.status == 201, answer.body
            assert answer.headers["X-Request-ID"]
            assert answer.headers["Strict-Transport-Security"]
            ids.append(answer.json()["id"])
        for submission_id in ids:
            wait_until(
                lambda sid=submission_id: (
                    client.request("GET", f"/api/v1/intakes/{sid}", headers=api).json()["status"]
                    == "routed"
                ),
                120,
                "routing through nginx",
                processes[2],
            )

        _sign_in(client, email)
        session_cookies = [line for line in client.set_cookie_lines if line.startswith("__Host-")]
        assert session_cookies
        assert all("Secure" in line and "Path=/" in line for line in session_cookies)
        dashboard = client.request("GET", "/staff")
        assert dashboard.status == 200, dashboard.status
        assert "Sign in" not in dashboard.body

        refused = client.request("GET", "/metrics")
        assert refused.status == 401
        metrics = client.request(
            "GET", "/metrics", headers={"Authorization": f"Bearer {env['METRICS_TOKEN']}"}
        )
        assert metrics.status == 200
        assert 'clinic_intakes_submitted_total{path="adult_self"} 1.0' in metrics.body
        assert 'clinic_intakes_routed_total{path="teen_self",status="routed"} 1.0' in metrics.body

        doctor = subprocess.run(
            [str(BIN / "flask"), "--app", "clinic", "doctor"],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                "SECRET_KEY": env["SECRET_KEY"],
                "ENCRYPTION_KEYS": env["ENCRYPTION_KEYS"],
                "CELERY_BROKER_URL": "memory://",
                "INSTANCE_PATH": str(tmp_path / "check"),
            }
        )
        with app.app_context():
            addresses = set(
                db.session.scalars(
                    select(AuditEvent.ip).where(AuditEvent.action == "staff.sign_in")
                )
            )
            db.session.remove()
            db.engine.dispose()
        assert addresses
        if not PROXY_SETTING:
            pytest.skip(
                "TRUSTED_PROXY_HOPS (ProxyFix, issue 14) is not on this branch: the audit "
                f"log has nginx's address {addresses}; re-enable once it is merged"
            )
        assert addresses == {CLIENT_ADDRESS}
    finally:
        for process in reversed(processes):
            process.stop()
