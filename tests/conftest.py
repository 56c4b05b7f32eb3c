"""Fixtures shared by the whole suite.

Database tests run on PostgreSQL when TEST_DATABASE_URL answers (migrations
applied once per session, each test inside a transaction rolled back at its
end: Warehouse's SAVEPOINT pattern), otherwise on a SQLite copy of a migrated
template file. Under REQUIRE_SERVICES=1 an unreachable PostgreSQL fails the run.

Under xdist the tests are dealt out with work stealing (`--dist worksteal` in the
Makefile): a worker that runs out takes half of what another still has queued, so the
run does not end with one worker alone on a long queue of browser tests. The long
tests (live workers, browsers, production smoke, marker `slow`) are spread evenly
through the collection, so each worker's first share holds as many of them as the
others'.

Hypothesis runs under the `ci` profile unless HYPOTHESIS_PROFILE names another:
the same examples every run, no per-example deadline (a busy machine is not a
failure), and a blob to reproduce any failure. `dev` explores new examples.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from celery import Celery
from flask import Flask
from flask.globals import app_ctx
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import scoped_session, sessionmaker

from clinic import create_app
from clinic.extensions import db
from clinic.security.instance_secrets import new_encryption_key_entry
from tests.support.brokers import redis_database, vhost_deletes_deferred
from tests.support.client import IsolatedRequestClient
from tests.support.migrated import drop_templates, migrated_postgres_database, migrated_sqlite_file
from tests.support.services import (
    create_postgres_database,
    drop_postgres_database,
    drops_deferred,
    reachable,
    service_url,
    services_required,
)
from tests.support.smtp import SmtpServer
from tests.support.templates import share_compiled_templates
from workers.celery_app import init_celery

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

LONG_RUNNING_MARKERS = ("e2e", "browser", "smoke", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests spread evenly among the others (each group in the order collected)."""
    long = [i for i in items if any(i.get_closest_marker(m) for m in LONG_RUNNING_MARKERS)]
    if not long:
        return
    long_ids = {id(item) for item in long}
    short = [i for i in items if id(i) not in long_ids]
    place = {id(item): n / len(long) for n, item in enumerate(long)}
    place.update({id(item): (n + 1) / (len(short) + 1) for n, item in enumerate(short)})
    items.sort(key=lambda item: place[id(item)])


TEST_SECRET_KEY = "test-secret-key-not-for-production"
TEST_BASE_URL = "http://127.0.0.1:5000"  # the links messages carry in tests
TEST_ENCRYPTION_KEYS = new_encryption_key_entry("t1")


def app_overrides(database_url: str, instance_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": TEST_SECRET_KEY,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CELERY_BROKER_URL": "memory://",
        "CLINIC_BASE_URL": TEST_BASE_URL,
        **extra,
    }


def apply_migrations(database_url: str, instance_path: Path) -> None:
    app = create_app(app_overrides(database_url, instance_path))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def fresh_postgres_database() -> str:
    """A new database of the test's own on PostgreSQL, migrated (drop it after use)."""
    return migrated_postgres_database(service_url("postgres"), apply_migrations)


def fresh_sqlite_database(path: Path) -> str:
    """A new SQLite database file at `path`, migrated."""
    return migrated_sqlite_file(path, apply_migrations)


@pytest.fixture(scope="session", autouse=True)
def _migrated_templates() -> Iterator[None]:
    with drops_deferred():
        yield
    drop_templates()


@pytest.fixture(scope="session", autouse=True)
def _rabbitmq_vhosts_deleted_at_the_end() -> Iterator[None]:
    """RabbitMQ vhosts made a few at a time, deleted together (tests.support.brokers)."""
    with vhost_deletes_deferred():
        yield


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url and reachable(url):
        return url
    if services_required():
        pytest.fail("REQUIRE_SERVICES=1 but PostgreSQL (TEST_DATABASE_URL) does not answer")
    return None


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a database with every migration applied (PostgreSQL, else a SQLite template)."""
    instance = tmp_path_factory.mktemp("migrate-instance")
    base_url = _postgres_url()
    if base_url is None:
        template = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
        url = f"sqlite:///{template}"
        apply_migrations(url, instance)
        yield url
        return
    url = create_postgres_database(base_url)
    try:
        apply_migrations(url, instance)
        yield url
    finally:
        drop_postgres_database(url)


def on_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def app(migrated_database: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on the migrated database; every change made in a test is undone after it.

    No app context is left pushed: each test-client request runs in one of its own
    (tests.support.client), and a test that works with the database or `current_app`
    itself asks for `app_context`. Every context's session joins one connection's
    transaction (a SAVEPOINT each), so what a test writes is seen by its requests and
    tasks as they would see it once committed. On PostgreSQL that transaction is rolled
    back after the test; on SQLite the database is a copy of the test's own anyway.
    """
    if on_postgres(migrated_database):
        url = migrated_database
    else:
        copy = tmp_path / "clinic.sqlite"
        shutil.copy(migrated_database.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    application = share_compiled_templates(create_app(app_overrides(url, tmp_path / "instance")))
    application.test_client_class = IsolatedRequestClient
    with application.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    real_session = db.session
    # Flask-SQLAlchemy's own Session ignores `bind`: use SQLAlchemy's, scoped the same way.
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=lambda: id(app_ctx._get_current_object()),
    )
    try:
        yield application
    finally:
        db.session = real_session
        transaction.rollback()
        connection.close()
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def app_context(app: Flask) -> Iterator[Flask]:
    """An app context for the test's own work (the database, `current_app`), apart from
    the contexts of its requests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of the test's own, empty (see tests.support.brokers)."""
    with redis_database() as url:
        yield url


@pytest.fixture
def worker_celery(app: Flask) -> Celery:
    """The workers' Celery app, bound to `app` as `workers.entry` binds it: a task called
    in the test runs as a worker runs it (in a fresh app context)."""
    return init_celery(app)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server (aiosmtpd) on a free port, for the test alone."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
