"""Fresh migrated databases for tests that commit for real, made by copying a template.

Running every migration takes a second or two; a test that needs a database of its
own (an end-to-end stack, a committing app) instead gets a copy of a template that
this test process migrated once: ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a
file copy on SQLite. Templates are dropped by :func:`drop_templates` at the end of the
session. A template is never connected to after it is migrated, so PostgreSQL may
copy it at any time.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.services import create_postgres_database, drop_postgres_database

Migrate = Callable[[str, Path], None]

_postgres_templates: dict[str, str] = {}
_sqlite_template: list[Path] = []


def migrated_postgres_database(base_url: str, migrate: Migrate) -> str:
    """URL of a new database on the server of ``base_url`` with every migration applied."""
    template = _postgres_templates.get(base_url)
    if template is None:
        template = create_postgres_database(base_url)
        _postgres_templates[base_url] = template
        migrate(template, Path(tempfile.mkdtemp(prefix="template-instance-")))
    url = make_url(template)
    name = f"clinic_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def migrated_sqlite_file(path: Path, migrate: Migrate) -> str:
    """URL of a new SQLite file at ``path`` with every migration applied."""
    if not _sqlite_template:
        directory = Path(tempfile.mkdtemp(prefix="sqlite-template-"))
        migrate(f"sqlite:///{directory / 'template.sqlite'}", directory / "instance")
        _sqlite_template.append(directory / "template.sqlite")
    shutil.copyfile(_sqlite_template[0], path)
    return f"sqlite:///{path}"


def drop_templates() -> None:
    for template in _postgres_templates.values():
        drop_postgres_database(template)
    _postgres_templates.clear()
    for template in _sqlite_template:
        shutil.rmtree(template.parent, ignore_errors=True)
    _sqlite_template.clear()
