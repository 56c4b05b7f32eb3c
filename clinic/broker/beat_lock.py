"""Exactly one beat: a PostgreSQL advisory lock held for the life of the beat process.

Two beats would schedule every sweep twice (harmless, the tasks are idempotent,
but twice the load and twice the pages of a slow digest). At start-up beat takes
a session-level advisory lock on a connection of its own and keeps it; a second
beat on the same database finds it taken and stops with a plain message. The
lock goes with the connection, so a beat that dies frees it. `flask doctor`
reads `pg_locks` to say whether a beat holds it. SQLite (the embedded default,
one machine) has no such lock and needs none.
"""

from __future__ import annotations

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

BEAT_LOCK_KEY = 0x636C6963  # "clic": one fixed key; advisory locks are per database

_HOLDERS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = 0 AND objid = :key AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class BeatLockTaken(SystemExit):
    """Another beat holds the lock: this one must not start."""


def on_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def hold_beat_lock(database_url: str) -> Connection | None:
    """Take the lock and return the connection that holds it (keep it open)."""
    if not on_postgres(database_url):
        return None
    connection = create_engine(database_url, poolclass=NullPool).connect()
    taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": BEAT_LOCK_KEY})
    connection.commit()  # the lock is the session's: it outlives this transaction
    if not taken:
        connection.close()
        raise BeatLockTaken(
            "another celery beat already runs on this database; run exactly one beat"
        )
    return connection


def beat_lock_holders(connection: Connection) -> int:
    """How many sessions hold the beat lock on the database of `connection` (0 or 1)."""
    return int(connection.scalar(_HOLDERS, {"key": BEAT_LOCK_KEY}) or 0)
