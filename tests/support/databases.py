"""A PostgreSQL database of the test's own, migrated, with an app on it.

For tests that need what the fixture's one rolled-back transaction cannot give:
several real sessions at once (two sweeps), or a connection that dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from clinic import create_app
from clinic.extensions import db
from tests.conftest import app_overrides, fresh_postgres_database
from tests.support.services import drop_postgres_database
from tests.support.templates import share_compiled_templates


@contextmanager
def own_postgres_database() -> Iterator[str]:
    """The URL of a new, migrated PostgreSQL database (a copy of the run's migrated
    template, tests.support.migrated), dropped afterwards."""
    url = fresh_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


@contextmanager
def app_on(database_url: str, instance_path: Path, **config: Any) -> Iterator[Flask]:
    """An app (the test suite's settings) on `database_url`; its connections closed after."""
    app = share_compiled_templates(create_app(app_overrides(database_url, instance_path, **config)))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
