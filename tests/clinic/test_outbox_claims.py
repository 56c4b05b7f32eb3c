"""Two sweeps at once never take the same outbox row.

Real concurrent sessions: two app contexts (each its own session and
connection) on a database of the test's own, PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.exc import OperationalError

from clinic.broker import outbox
from clinic.extensions import db
from clinic.models import OutboxMessage
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from tests.conftest import fresh_sqlite_database
from tests.support.databases import app_on, own_postgres_database
from workers.celery_app import init_celery

ROWS = 30


@pytest.fixture(params=["postgres", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    if request.param == "sqlite":
        url = fresh_sqlite_database(tmp_path / "clinic.sqlite")
        with app_on(url, tmp_path / "instance") as application:
            yield application
        return
    with own_postgres_database() as url:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:  # a sweep that would wait on a lock fails instead
            name = connection.scalar(text("SELECT current_database()"))
            connection.execute(text(f"ALTER DATABASE \"{name}\" SET lock_timeout = '5s'"))
        admin.dispose()
        with app_on(url, tmp_path / "instance") as application:
            yield application


def _due_rows(app: Flask) -> set[uuid.UUID]:
    """Pending rows, due now, written without publishing (as a broker outage leaves them)."""
    ids = {uuid.uuid4() for _ in range(ROWS)}
    due = utcnow() - timedelta(seconds=1)
    rows = [
        {"id": i, "kind": "routing.route_submission", "target_id": str(i), "next_attempt_at": due}
        for i in ids
    ]
    with app.app_context(), unit_of_work():
        db.session.execute(insert(OutboxMessage), rows)
    return ids


def test_a_second_sweep_passes_over_the_rows_the_first_is_claiming(app: Flask) -> None:
    ids = _due_rows(app)
    with app.app_context():  # sweep A: its claim not committed yet
        first, lease_end = outbox.claim_due()
        assert set(first) == ids
        with app.app_context():  # sweep B, its own session and connection, at the same time
            if db.engine.dialect.name == "postgresql":
                with unit_of_work():
                    assert outbox.claim_due()[0] == []  # SKIP LOCKED: no wait, nothing taken
            else:  # SQLite: one writer; B's claim fails (retried by the task base class)
                with pytest.raises(OperationalError), unit_of_work():
                    outbox.claim_due()
        db.session.commit()

        with app.app_context(), unit_of_work():  # B again, after A committed its claim
            assert outbox.claim_due()[0] == []

        # The lease ends (a sweep that died): the rows are free for the next sweep.
        db.session.execute(update(OutboxMessage).values(claimed_until=utcnow()))
        db.session.commit()
        with app.app_context(), unit_of_work():
            assert set(outbox.claim_due()[0]) == ids
    assert lease_end > utcnow()


def test_claims_are_released_when_a_sweep_stops_early(app: Flask) -> None:
    ids = _due_rows(app)
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
    init_celery(app)
    with app.app_context():
        with unit_of_work():
            claimed, lease_end = outbox.claim_due()
        assert outbox.publish_claimed(claimed, lease_end) == 0  # stops at the first failure
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {row.id for row in rows} == ids
        assert all(row.claimed_until is None for row in rows)
        assert [row.attempts for row in rows].count(1) == 1  # one try, then it stopped
        assert all(row.status == "pending" for row in rows)
