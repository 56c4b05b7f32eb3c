"""A database connection that dies mid-transaction, and routing that keeps failing.

Each test has a PostgreSQL database of its own: it kills a real connection, or
holds real table locks from a second session.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.exceptions import Retry
from flask import Flask
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from clinic.extensions import db
from clinic.models import (
    AuditEvent,
    IntakeSubmission,
    NotificationMessage,
    OutboxMessage,
    Referral,
)
from clinic.models.audit import GENESIS_HASH
from clinic.models.unit_of_work import is_connection_loss, unit_of_work
from clinic.security import audit, audit_seal
from tests import factories
from tests.support.databases import app_on, own_postgres_database
from workers.celery_app import init_celery
from workers.retrying import FIRST_TRIED_AT
from workers.tasks.notifications import send_notification
from workers.tasks.routing import route_submission_task

LOCK_TIMEOUT = "200ms"  # a blocked statement fails (OperationalError) instead of waiting


@pytest.fixture
def database() -> Iterator[str]:
    with own_postgres_database() as url:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = connection.scalar(text("SELECT current_database()"))
            connection.execute(text(f'ALTER DATABASE "{name}" SET lock_timeout = {LOCK_TIMEOUT!r}'))
        admin.dispose()
        yield url


@pytest.fixture
def app(database: str, tmp_path: Path) -> Iterator[Flask]:
    with app_on(database, tmp_path / "instance") as application:
        init_celery(application)
        yield application


def _kill(database: str, pid: int) -> None:
    killer = create_engine(database, isolation_level="AUTOCOMMIT")
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_a_rollback_after_the_connection_died_mid_transaction_recovers(
    app: Flask, database: str
) -> None:
    with app.app_context():
        audit.record("test.lost", actor_kind="system")
        db.session.flush()
        _kill(database, db.session.scalar(text("SELECT pg_backend_pid()")))

        with pytest.raises(DBAPIError) as lost:
            db.session.execute(text("SELECT 1"))
        assert is_connection_loss(lost.value)
        db.session.rollback()  # raised PendingRollbackError from the audit listener before

        with unit_of_work():
            audit.record("test.kept", actor_kind="system")
        with unit_of_work():
            audit_seal.seal_pending()
        events = db.session.scalars(select(AuditEvent)).all()
        assert [(e.action, e.prev_hash) for e in events] == [("test.kept", GENESIS_HASH)]
        assert audit.verify_chain().ok


def _submitted(app: Flask) -> str:
    """An intake whose decision has a flag, so that routing writes to `submission_flag`."""
    answers = {"safety.now": 1, **factories.PARTNER_RISK}
    with app.app_context(), unit_of_work():
        return str(factories.submitted_intake(answers=answers).id)


def _route(submission_id: str, *, first_tried_seconds_ago: float) -> object:
    """Run the routing task as a worker runs it, its first try that long ago."""
    first_tried_at = time.time() - first_tried_seconds_ago
    result = contextvars.Context().run(
        route_submission_task.apply,  # type: ignore[attr-defined]
        args=[submission_id],
        kwargs={FIRST_TRIED_AT: first_tried_at},
        throw=True,
    )
    return result.get()


def _lock(connection: Connection, table: str) -> None:
    connection.begin()
    connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))


def test_routing_that_keeps_failing_goes_to_intake_review_after_its_budget(
    app: Flask, database: str
) -> None:
    app.config["TASK_RETRY_BUDGET"] = 1800.0
    submission_id = _submitted(app)
    lockers = create_engine(database)
    try:
        # Routing fails (its flags table is locked): a passing failure, retried.
        with lockers.connect() as flags, lockers.connect() as referrals:
            _lock(flags, "submission_flag")
            with pytest.raises(Retry):
                _route(submission_id, first_tried_seconds_ago=60)

            # Past the budget, and intake review cannot be written either: still retried.
            _lock(referrals, "referral")
            with pytest.raises(Retry):
                _route(submission_id, first_tried_seconds_ago=3600)
            referrals.rollback()
            with app.app_context():
                assert db.session.scalar(select(IntakeSubmission.status)) == "submitted"

            # Past the budget, routing still fails but intake review can be written.
            assert _route(submission_id, first_tried_seconds_ago=3600) == "needs_review"
            flags.rollback()
    finally:
        lockers.dispose()

    assert _route(submission_id, first_tried_seconds_ago=0) == "needs_review"  # idempotent
    with app.app_context():
        submission = db.session.scalars(select(IntakeSubmission)).one()
        referral = db.session.scalars(select(Referral)).one()
        assert (referral.queue, referral.priority) == ("intake", "priority")
        assert referral.explanation["rule_ids"] == ["routing-failed"]
        assert "routing failed (OperationalError)" in referral.explanation["sentence"]
        assert "a person must review" in referral.explanation["sentence"]
        assert submission.routing_error == "routing failed: OperationalError"
        routing_row = select(OutboxMessage.status).where(
            OutboxMessage.kind == "routing.route_submission"
        )
        assert db.session.scalar(routing_row) == "done"
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 1


def test_a_notification_send_that_loses_its_database_is_retried(app: Flask, database: str) -> None:
    with app.app_context(), unit_of_work():
        message_id = str(factories.notification_message().id)
    lockers = create_engine(database)
    try:
        with lockers.connect() as messages:
            _lock(messages, "notification_message")  # its claim cannot be written
            with pytest.raises(Retry):
                contextvars.Context().run(
                    send_notification.apply,  # type: ignore[attr-defined]
                    args=[message_id],
                    throw=True,
                )
            messages.rollback()
    finally:
        lockers.dispose()
    with app.app_context():
        message = db.session.get(NotificationMessage, uuid.UUID(message_id))
        assert message is not None
        assert (message.status, message.attempts) == ("pending", 0)  # nothing half-done
