"""Finding the real services the tests use, and making throwaway databases on them.

A service is used when its TEST_*_URL is set and it answers. When it does not,
its tests are skipped, except under REQUIRE_SERVICES=1, where they fail.

A test session drops the databases its tests are done with at its end, not one by
one (`drops_deferred`): PostgreSQL forces a checkpoint for each DROP DATABASE, writing
out and syncing every database's changed pages, which took seconds a test on a busy
machine and held up the other tests' databases meanwhile.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PARALLEL_DROPS = 8  # drops at once share their checkpoints
_deferred_drops: list[str] | None = None

SERVICE_URL_VARIABLES = {
    "postgres": "TEST_DATABASE_URL",
    "redis": "TEST_REDIS_URL",
    "rabbitmq": "TEST_AMQP_URL",
}


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def reachable(url: str, timeout: float = 2.0) -> bool:
    parts = urlsplit(url)
    default_ports = {"postgresql": 5432, "redis": 6379, "amqp": 5672}
    scheme = parts.scheme.split("+")[0]
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_ports.get(scheme, 0)), timeout
        ):
            return True
    except OSError:
        return False


def service_url(service: str) -> str:
    """The URL of `service`, or skip (fail under REQUIRE_SERVICES=1) when it is not there."""
    variable = SERVICE_URL_VARIABLES[service]
    url = os.environ.get(variable, "")
    problem = None
    if not url:
        problem = f"{variable} is not set"
    elif not reachable(url):
        problem = f"{service} at {variable} does not answer"
    if problem:
        if services_required():
            pytest.fail(f"REQUIRE_SERVICES=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    return url


def create_postgres_database(base_url: str) -> str:
    """Make a new empty database on the server of `base_url` and return its URL."""
    url = make_url(base_url)
    name = f"clinic_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url: str) -> None:
    """Drop the database now, or when the `drops_deferred` block around this ends."""
    if _deferred_drops is not None:
        _deferred_drops.append(database_url)
        return
    _drop(database_url)


@contextmanager
def drops_deferred() -> Iterator[None]:
    """Databases given to `drop_postgres_database` in the block are dropped as it ends,
    several at once (connections still open to them are closed)."""
    global _deferred_drops
    _deferred_drops = []
    try:
        yield
    finally:
        urls, _deferred_drops = _deferred_drops, None
        with ThreadPoolExecutor(PARALLEL_DROPS) as pool:
            list(pool.map(_drop, urls))


def _drop(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
