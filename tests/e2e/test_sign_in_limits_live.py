"""Sign-in limits hold under parallel attempts: real gunicorn, two worker processes (each
with threads) sharing one Redis for their counters and one PostgreSQL database.

Every checked password or code writes an audit event (`staff.sign_in_failed`,
`staff.mfa_failed`), so the events count how many attempts were verified; an
attempt refused unchecked answers 429.
"""

from __future__ import annotations

import http.client
import re
import socket
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Barrier
from urllib.parse import urlencode

import pyotp
import pytest
from sqlalchemy import func, select

from clinic import create_app
from clinic.extensions import db
from clinic.models import AuditEvent
from tests.clinic.staff.support import SECRET, staff
from tests.conftest import TEST_ENCRYPTION_KEYS, TEST_SECRET_KEY
from tests.factories import STAFF_PASSWORD
from tests.support.databases import own_postgres_database
from tests.support.processes import LiveProcess
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

LIMIT = 5
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    status: int
    cookie: str
    location: str
    body: str


@dataclass
class Site:
    port: int
    cookie: str = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            set_cookie = response.getheader("Set-Cookie") or ""
            return Answer(
                response.status,
                set_cookie.split(";", 1)[0],
                response.getheader("Location") or "",
                response.read().decode(),
            )
        finally:
            connection.close()

    def token(self, path: str) -> str:
        answer = self.request("GET", path)
        self.cookie = answer.cookie or self.cookie
        match = CSRF.search(answer.body)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def all_at_once(self, count: int, path: str, form: dict[str, str]) -> list[int]:
        """`count` POSTs released together; their status codes."""
        start = Barrier(count)

        def one(_: int) -> int:
            start.wait()
            return self.request("POST", path, form).status

        with ThreadPoolExecutor(count) as pool:
            return sorted(pool.map(one, range(count)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        return Site(port).request("GET", "/healthz").status == 200
    except OSError:
        return False


@pytest.fixture
def database_url() -> Iterator[str]:
    with own_postgres_database() as url:
        yield url


@pytest.fixture
def gunicorn(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Site]:
    """gunicorn with two worker processes of eight threads, once both have booted."""
    port = _free_port()
    env = {
        "APP_ENV": "development",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "memory://",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SIGN_IN_LIMIT_ACCOUNT": f"{LIMIT} per 15 minutes",
    }
    argv = [
        *(sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8"),
        *("--bind", f"127.0.0.1:{port}", "clinic:create_app()"),
    ]
    server = LiveProcess("gunicorn", argv, env, tmp_path / "gunicorn.log")
    try:
        wait_until(
            lambda: server.output().count("Booting worker") == 2 and _answers(port),
            what="gunicorn's two workers",
            process=server,
        )
        yield Site(port)
    finally:
        server.stop()


def _verified(database_url: str, tmp_path: Path, action: str) -> int:
    """How many attempts were checked: one audit event each."""
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path / "count"), "SQLALCHEMY_DATABASE_URI": database_url}
    )
    with app.app_context():
        counted = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
        db.session.remove()
        db.engine.dispose()
    return int(counted or 0)


def _account(database_url: str, tmp_path: Path) -> str:
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "setup"),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        }
    )
    with app.app_context():
        email = staff("intake_coordinator").email
        db.session.remove()
        db.engine.dispose()
    return email


def test_parallel_wrong_codes_and_passwords_verify_at_most_the_limit(
    gunicorn: Site, database_url: str, tmp_path: Path
) -> None:
    email = _account(database_url, tmp_path)

    token = gunicorn.token("/staff/login")
    right = gunicorn.request(
        "POST", "/staff/login", {"email": email, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert right.status == 302 and right.location.endswith("/staff/mfa"), right.body
    gunicorn.cookie = right.cookie
    token = gunicorn.token("/staff/mfa")
    wrong_code = pyotp.TOTP(SECRET).at(time.time() - 3600)
    statuses = gunicorn.all_at_once(30, "/staff/mfa", {"code": wrong_code, "csrf_token": token})
    assert statuses == [200] * LIMIT + [429] * (30 - LIMIT)
    assert _verified(database_url, tmp_path, "staff.mfa_failed") == LIMIT

    site = Site(gunicorn.port)
    token = site.token("/staff/login")
    wrong = {"email": email, "password": "not the password at all", "csrf_token": token}
    statuses = site.all_at_once(20, "/staff/login", wrong)
    assert statuses == [200] * LIMIT + [429] * (20 - LIMIT)
    assert _verified(database_url, tmp_path, "staff.sign_in_failed") == LIMIT
