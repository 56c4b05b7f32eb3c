"""The overview and the CSV export read a read-only replica (DATABASE_REPLICA_URL); the
audit event of each view is written to the primary in the same request.

On PostgreSQL, with two databases of their own: the "replica" holds referrals the
primary does not, so what the pages show tells which database they read, and it is
reached through a connection whose every transaction is read-only
(`default_transaction_read_only=on`), so a write through it fails.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from clinic import create_app
from clinic.extensions import db
from clinic.models import AuditEvent, Referral, reads
from referrals import QUEUES
from tests import factories
from tests.clinic.staff import support
from tests.conftest import app_overrides, fresh_postgres_database
from tests.support.client import IsolatedRequestClient
from tests.support.services import drop_postgres_database

UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"  # outbox rows stay pending; nothing is routed
REFERRALS_ON_REPLICA = 2


def _app(database_url: str, instance: Path, replica_url: str = "") -> Flask:
    """The web app; each test-client request in an app context of its own."""
    instance.mkdir(exist_ok=True)
    app = create_app(
        app_overrides(
            database_url,
            instance,
            DATABASE_REPLICA_URL=replica_url,
            CELERY_BROKER_URL=UNREACHABLE_BROKER,
        )
    )
    app.test_client_class = IsolatedRequestClient
    return app


def _read_only(database_url: str) -> str:
    """The same database, every transaction of every connection read-only."""
    url = make_url(database_url).update_query_dict(
        {"options": "-c default_transaction_read_only=on"}
    )
    return url.render_as_string(hide_password=False)


def _actions(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT action FROM audit_event ORDER BY id")))
    finally:
        engine.dispose()


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(primary, replica): the replica holding referrals the primary does not."""
    primary, replica = fresh_postgres_database(), fresh_postgres_database()
    try:
        writer = _app(replica, tmp_path / "replica-writer")
        with writer.app_context():
            for _ in range(REFERRALS_ON_REPLICA):
                factories.referral()
            db.session.commit()
            db.engine.dispose()
        yield primary, replica
    finally:
        drop_postgres_database(primary)
        drop_postgres_database(replica)


def test_the_overview_and_the_export_read_the_replica_and_audit_on_the_primary(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    primary, replica = databases
    app = _app(primary, tmp_path / "web", replica_url=_read_only(replica))
    client = app.test_client()
    with app.app_context():
        support.sign_in(client, support.staff())
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 0
    replica_actions = _actions(replica)
    intake = QUEUES["intake"].name

    overview = client.get("/staff/overview")
    export = client.get("/staff/queues/intake/export.csv")

    assert overview.status_code == 200
    assert f"{intake} ({REFERRALS_ON_REPLICA})" in overview.get_data(as_text=True)
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == REFERRALS_ON_REPLICA
    with app.app_context():
        exported = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral_list.exported")
        ).one()
        assert exported.detail["rows"] == REFERRALS_ON_REPLICA  # counted on the replica
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEvent.action == "staff.overview_viewed")
            )
            == 1
        )
    with app.app_context():
        db.engine.dispose()
    engine = reads.replica_engine(app)
    assert engine is not None
    engine.dispose()
    assert _actions(replica) == replica_actions  # nothing written there


def test_without_a_replica_the_pages_read_the_primary(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    primary, _replica = databases
    app = _app(primary, tmp_path / "web")
    client = app.test_client()
    with app.app_context():
        support.sign_in(client, support.staff())
    assert f"{QUEUES['intake'].name} (0)" in client.get("/staff/overview").get_data(as_text=True)
    assert client.get("/staff/queues/intake/export.csv").get_data(as_text=True).count("\n") == 1
    with app.test_request_context():
        reads.use_replica()
        assert reads.reads() is db.session
        db.engine.dispose()


def test_a_write_through_the_replica_session_fails(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    primary, replica = databases
    app = _app(primary, tmp_path / "web", replica_url=_read_only(replica))
    with app.test_request_context():
        reads.use_replica()
        session = reads.reads()
        assert session is not db.session
        assert session.scalar(select(func.count()).select_from(Referral)) == REFERRALS_ON_REPLICA
        with pytest.raises(DBAPIError, match="read-only transaction"):
            session.execute(text("DELETE FROM referral_event"))
        session.rollback()
    engine = reads.replica_engine(app)
    assert engine is not None
    engine.dispose()
