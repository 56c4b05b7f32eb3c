"""Lifting the database's append-only guard on `audit_event` for one test.

The triggers (migration 649da06592b8; 3d5e8f1a9c27 lets only a seal through)
refuse UPDATE, DELETE and TRUNCATE. A test that plays someone with the table
owner's rights, who can disable them, lifts them here to show the keyed chain
still tells (`flask audit verify`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from clinic.extensions import db

POSTGRESQL_TRIGGERS = ("audit_event_append_only", "audit_event_no_truncate")


@contextmanager
def append_only_lifted() -> Iterator[None]:
    """Disable (PostgreSQL, inside the test's transaction) or drop and afterwards
    re-create (SQLite, the test's own copy) the triggers on `audit_event`."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for name in POSTGRESQL_TRIGGERS:
            connection.execute(text(f"ALTER TABLE audit_event DISABLE TRIGGER {name}"))
        try:
            yield
        finally:
            connection = db.session.connection()
            for name in POSTGRESQL_TRIGGERS:
                connection.execute(text(f"ALTER TABLE audit_event ENABLE TRIGGER {name}"))
        return
    triggers = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        )
    ).all()
    for name, _ in triggers:
        connection.execute(text(f"DROP TRIGGER {name}"))
    try:
        yield
    finally:
        connection = db.session.connection()
        for _, sql in triggers:
            connection.execute(text(sql))
        db.session.commit()
