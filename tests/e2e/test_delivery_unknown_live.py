"""A worker killed between sending a client message and marking it sent (live worker,
real SMTP server, PostgreSQL with Redis and with RabbitMQ): the message is not sent
twice, and staff see "delivery unknown"."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, select, text

from clinic.broker.names import Queues, TaskNames
from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, OutboxMessage
from clinic.notifications import queue_submission_confirmation
from tests.clinic.notifications.conftest import contact, submission_with
from tests.e2e.conftest import Stack, _make_stack
from tests.support.fault_record import FaultRecord
from tests.support.processes import start_worker, wait_until
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

TIMEOUT = 90.0
# Redis gives an unacknowledged task back after 20 s (longer than a send's lease, five times 3 s).
ENV = {"BROKER_VISIBILITY_TIMEOUT": "20", "TASK_RETRY_MAX_DELAY": "2", "MAIL_TIMEOUT": "3"}


@pytest.fixture(params=("postgres-redis", "postgres-rabbitmq"))
def server_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack(request.param, tmp_path)


def _client_message_stored(stack: Stack) -> tuple[str, str]:
    """A client confirmation committed with its outbox row pending: (message, outbox row)."""
    app = stack.web_app_with_broker_unreachable()
    try:
        with app.app_context():
            queue_submission_confirmation(submission_with(contact(email=True)))
            db.session.commit()
            message = db.session.scalars(select(NotificationMessage)).one()
            row = db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == TaskNames.SEND_NOTIFICATION)
            ).one()
            return str(message.id), str(row.id)
    finally:
        with app.app_context():
            db.engine.dispose()


def _status(app: Flask, message_id: str) -> str:
    with app.app_context():
        message = db.session.get(NotificationMessage, uuid.UUID(message_id))
        assert message is not None
        return message.status


def _waiting_on_a_lock(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            or 0
        )


def test_a_worker_killed_between_send_and_mark_sends_a_client_message_once(
    server_stack: Stack,
    smtp_server: SmtpServer,
    tmp_path: Path,
    fault_record: Callable[[str, str], FaultRecord],
) -> None:
    record = fault_record("Worker killed between send and mark", server_stack.name)
    record.recovery_from = (
        'the kill until staff see "delivery unknown" (a replacement worker started)'
    )
    env = {**server_stack.env, **smtp_server.mail_env(), **ENV}
    app = server_stack.web_app()
    message_id, row_id = _client_message_stored(server_stack)
    locker = create_engine(server_stack.database_url)
    worker = start_worker(env, tmp_path, "worker-a")
    replacement = None
    try:
        with locker.connect() as connection:
            held = connection.begin()
            # The mark `sent` finishes the outbox row in its transaction: it waits here.
            connection.execute(
                text("SELECT id FROM outbox_message WHERE id = :id FOR UPDATE"), {"id": row_id}
            )
            # Published as the relay does (task id = outbox row id); the relay's own
            # update of the row would wait on the lock held here.
            app.extensions["celery"].send_task(
                TaskNames.SEND_NOTIFICATION,
                args=[message_id],
                task_id=row_id,
                queue=Queues.NOTIFICATIONS,
            )
            wait_until(lambda: len(smtp_server.received()) == 1, TIMEOUT, "the send", worker)
            wait_until(
                lambda: _waiting_on_a_lock(locker) >= 1,
                what="the mark `sent` to wait, after the send",
                process=worker,
            )
            worker.kill()
            record.fault_ends()
            held.rollback()
        assert _status(app, message_id) == "sending"

        replacement = start_worker(env, tmp_path, "worker-b")
        wait_until(
            lambda: _status(app, message_id) == "unknown",
            TIMEOUT,
            "delivery unknown",
            replacement,
        )
        record.back_to_normal()
        record.duplicate_client_messages = len(smtp_server.received()) - 1

        assert len(smtp_server.received()) == 1  # not sent again
        with app.app_context():
            actions = db.session.scalars(select(AuditEvent.action)).all()
            assert actions.count("message.delivery_unknown") == 1
    finally:
        worker.stop()
        if replacement is not None:
            replacement.stop()
        locker.dispose()
