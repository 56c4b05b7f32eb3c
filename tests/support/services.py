"""Finding the real services the tests use, and making throwaway databases on them.

A service is used when its TEST_*_URL is set and it answers. When it does not,
its tests are skipped, except under REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
