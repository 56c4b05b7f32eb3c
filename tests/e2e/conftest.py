"""End-to-end stacks: the web app in this process, a live worker (and beat) in others.

Each stack is one of the supported deployments: the embedded default (SQLite
and the filesystem broker), PostgreSQL + Redis, and PostgreSQL + RabbitMQ. A
server stack has a database and a broker (Redis database, RabbitMQ vhost) of
its own, so its tests run in parallel with any other.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select, update

from clinic import create_app
from clinic.extensions import db
from clinic.models import OutboxMessage
from clinic.models.columns import utcnow
from tests import factories
from tests.conftest import (
    TEST_BASE_URL,
    TEST_ENCRYPTION_KEYS,
    TEST_SECRET_KEY,
    fresh_postgres_database,
    fresh_sqlite_database,
)
from tests.support.brokers import rabbitmq_vhost, redis_database
from tests.support.browser import CHROMIUM_ARGS, LiveServer, NeutralSite, chromium_path
from tests.support.fault_record import FaultRecord
from tests.support.services import drop_postgres_database
from tests.support.tcp_proxy import TcpProxy
from tests.support.templates import share_compiled_templates

STACKS = ("embedded", "postgres-redis", "postgres-rabbitmq")


@dataclass
class Stack:
    name: str
    database_url: str
    broker_url: str
    instance_path: Path
    env: dict[str, str] = field(default_factory=dict)
    _app: Flask | None = None

    def web_app(self) -> Flask:
        """The web app of this stack (one per test, its connections closed after it)."""
        if self._app is None:
            self._app = self._create_app(self.broker_url)
        return self._app

    def web_app_with_broker_unreachable(self) -> Flask:
        """The web app of this stack as it is while its broker cannot be reached.

        Whatever it commits stays in the outbox, pending (the publish fails at once):
        how a test stores an intake whose routing task it publishes itself, later.
        """
        scheme = urlsplit(self.broker_url).scheme
        return self._create_app(f"{scheme}://127.0.0.1:9/")

    def pending_intakes(self, count: int) -> set[str]:
        """`count` intakes committed while the broker was away, their outbox rows pending
        and due now (only a sweep publishes them); their rows' ids. The embedded stack's
        broker is never away: its rows are published at once."""
        app = self.web_app() if self.name == "embedded" else self.web_app_with_broker_unreachable()
        try:
            with app.app_context():
                for _ in range(count):
                    factories.submitted_intake()
                db.session.commit()
                db.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.status == "pending")
                    .values(next_attempt_at=utcnow() - timedelta(seconds=1))
                )
                db.session.commit()
                return {str(i) for i in db.session.scalars(select(OutboxMessage.id))}
        finally:
            with app.app_context():
                db.engine.dispose()

    def _create_app(self, broker_url: str) -> Flask:
        app = create_app(
            {
                "INSTANCE_PATH": str(self.instance_path),
                "SQLALCHEMY_DATABASE_URI": self.database_url,
                "CELERY_BROKER_URL": broker_url,
                "SECRET_KEY": TEST_SECRET_KEY,
                "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
                "CLINIC_BASE_URL": TEST_BASE_URL,
            }
        )
        return share_compiled_templates(app)

    def close(self) -> None:
        if self._app is not None:
            with self._app.app_context():
                db.engine.dispose()


@contextmanager
def own_broker(stack: str) -> Iterator[str]:
    """A broker URL of the test's own on the real server of `stack` (tests.support.brokers)."""
    with redis_database() if stack.endswith("redis") else rabbitmq_vhost() as url:
        yield url


def _environment(database_url: str, broker_url: str, instance_path: Path) -> dict[str, str]:
    return {
        "APP_ENV": "development",
        "INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "CLINIC_BASE_URL": TEST_BASE_URL,
        "OUTBOX_SWEEP_SECONDS": "1",
        "OUTBOX_REPUBLISH_AFTER": "60",
        # Redis: the visibility timeout at most the republish interval, and longer than
        # every wait a worker holds a task for (retry delay, notification lease wait).
        "BROKER_VISIBILITY_TIMEOUT": "30",
        "TASK_RETRY_MAX_DELAY": "10",
        "MAIL_TIMEOUT": "5",
    }


def _make_stack(name: str, tmp_path: Path, broker_url: str | None = None) -> Iterator[Stack]:
    """A stack on its own database and broker; `broker_url` is used as given when set."""
    instance = tmp_path / "instance"
    instance.mkdir()
    with ExitStack() as cleanup:
        if name == "embedded":
            database_url = fresh_sqlite_database(instance / "clinic.sqlite")
            broker_url = "filesystem://"
        else:
            broker_url = broker_url or cleanup.enter_context(own_broker(name))
            database_url = fresh_postgres_database()
            cleanup.callback(drop_postgres_database, database_url)
        stack = Stack(
            name,
            database_url,
            broker_url,
            instance,
            _environment(database_url, broker_url, instance),
        )
        yield stack
        stack.close()


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack(request.param, tmp_path)


@dataclass
class ProxiedStack:
    stack: Stack
    proxy: TcpProxy


@pytest.fixture(params=("postgres-redis", "postgres-rabbitmq"))
def proxied_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProxiedStack]:
    """A server-broker stack whose every broker connection goes through a TCP proxy."""
    with own_broker(request.param) as broker_url:
        real = urlsplit(broker_url)
        proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or 0)
        proxy.start()
        netloc = real.netloc.rsplit(":", 1)[0] + f":{proxy.port}"
        try:
            proxied_url = urlunsplit(real._replace(netloc=netloc))
            for stack in _make_stack(request.param, tmp_path, proxied_url):
                yield ProxiedStack(stack, proxy)
        finally:
            proxy.stop()


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


@pytest.fixture
def fault_record(request: pytest.FixtureRequest) -> Iterator[Callable[[str, str], FaultRecord]]:
    """Records of what a fault test measured (tests.support.fault_record), written after it."""
    records: list[FaultRecord] = []

    def record(fault: str, stack: str) -> FaultRecord:
        records.append(FaultRecord(fault, stack))
        return records[-1]

    yield record
    passed = request.node.stash.get(_CALL_PASSED, False)
    for each in records:
        each.outcome = "passed" if passed else "failed"
        each.write()


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[NeutralSite]:
    with NeutralSite() as site:
        yield site


@pytest.fixture
def live(
    tmp_path: Path, neutral_site: NeutralSite, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, str]]:
    """The embedded stack's web app, served live; quick exit leads to `neutral_site`."""
    settings = tmp_path / "clinic.yaml"
    settings.write_text(f"quick_exit_url: {neutral_site.url}\n")
    monkeypatch.setenv("CLINIC_SETTINGS", str(settings))
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with LiveServer(app) as server:
            yield app, server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(params=[(1280, 900), (320, 640)], ids=["desktop", "320px"])
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) at desktop width and at 320 px."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
