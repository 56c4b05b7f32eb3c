"""Delivery guarantees against a live worker on real Redis and RabbitMQ.

A worker killed mid-task, a database that goes away, a task that keeps
failing, and what a broker message may carry (ids only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from kombu import Connection
from sqlalchemy import Engine, create_engine, func, select, text

from clinic.broker import outbox
from clinic.broker.names import Queues
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import AuditEvent, IntakeSubmission, OutboxMessage, Referral
from tests.e2e.conftest import Stack, _make_stack
from tests.support.processes import LiveProcess, start_worker, wait_until
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e

ROUTING_TIMEOUT = 90.0
CANARY_EMAIL = "canary-4c1d@example.org"
CANARY_NAME = "Canary Quillfeather"
FAST_REDELIVERY = {
    "BROKER_VISIBILITY_TIMEOUT": "8",
    "TASK_RETRY_MAX_DELAY": "2",
    "MAIL_TIMEOUT": "1",  # the notification lease wait (5 times this) under the visibility timeout
}


@pytest.fixture(params=("postgres-redis", "postgres-rabbitmq"))
def server_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack(request.param, tmp_path)


def _stored_not_published(stack: Stack, **answers: int | None) -> tuple[str, str]:
    """An intake committed with its outbox row still pending: (submission id, outbox id).

    It is submitted while the broker cannot be reached, so the publish after the
    commit fails and the row stays pending until the test publishes it.
    """
    app = stack.web_app_with_broker_unreachable()
    try:
        with app.app_context():
            submission_id = submit_intake(
                path="adult_self",
                subject_age=30,
                answers={"safety.now": 1, **answers},
                contact={"email": CANARY_EMAIL, "name": CANARY_NAME},
            )
            db.session.commit()
            message = db.session.scalars(select(OutboxMessage)).one()
            assert message.status == "pending"
            return str(submission_id), str(message.id)
    finally:
        with app.app_context():
            db.engine.dispose()


def _publish(app: Flask, message_id: str) -> None:
    import uuid

    with app.app_context():
        assert outbox.publish(uuid.UUID(message_id))


def _status(app: Flask) -> str:
    with app.app_context():
        return db.session.scalars(select(IntakeSubmission.status)).one()


def _count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _received(worker: LiveProcess, task_id: str) -> int:
    return worker.output().count(f"[{task_id}] received")


def _waiting_on_a_lock(engine: Engine) -> int:
    """Sessions on the stack's database that are blocked waiting for a lock."""
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


def test_a_worker_killed_mid_routing_is_replaced_and_routes_it_once(
    server_stack: Stack, tmp_path: Path
) -> None:
    stack = server_stack
    env = {**stack.env, **FAST_REDELIVERY}
    app = stack.web_app()
    submission_id, message_id = _stored_not_published(stack)
    locker = create_engine(stack.database_url)
    worker = start_worker(env, tmp_path, "worker-a")
    replacement = None
    try:
        with locker.connect() as connection:
            transaction = connection.begin()
            connection.execute(
                text("SELECT id FROM intake_submission WHERE id = :id FOR UPDATE"),
                {"id": submission_id},
            )
            _publish(app, message_id)
            wait_until(lambda: _received(worker, message_id) == 1, 30, "the task", worker)
            wait_until(
                lambda: _waiting_on_a_lock(locker) >= 1,
                what="the task to wait on the row lock, mid-routing",
                process=worker,
            )
            worker.kill()
            transaction.rollback()
        assert _status(app) == "submitted"

        replacement = start_worker(env, tmp_path, "worker-b")
        wait_until(lambda: _status(app) == "routed", ROUTING_TIMEOUT, "routing", replacement)

        assert _count(app, Referral) == 1
        assert _count(app, AuditEvent, AuditEvent.action == "submission.routed") == 1
    finally:
        worker.stop()
        if replacement is not None:
            replacement.stop()
        locker.dispose()


def _database_proxy(stack: Stack) -> tuple[TcpProxy, str]:
    from sqlalchemy.engine import make_url

    url = make_url(stack.database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    return proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def test_a_task_whose_database_is_away_is_retried_and_routes_when_it_returns(
    server_stack: Stack, tmp_path: Path
) -> None:
    stack = server_stack
    proxy, proxied_url = _database_proxy(stack)
    proxy.start()
    env = {**stack.env, **FAST_REDELIVERY, "DATABASE_URL": proxied_url}
    app = stack.web_app()
    _, message_id = _stored_not_published(stack)
    worker = start_worker(env, tmp_path)
    try:
        proxy.stop()
        _publish(app, message_id)
        wait_until(lambda: "Retry in" in worker.output(), 60, "a retry", worker)
        assert _status(app) == "submitted"

        proxy.start()

        wait_until(lambda: _status(app) == "routed", ROUTING_TIMEOUT, "routing", worker)
        assert _count(app, Referral) == 1
    finally:
        worker.stop()
        proxy.stop()


def test_routing_whose_database_stays_away_past_its_budget_is_never_given_up(
    server_stack: Stack, tmp_path: Path
) -> None:
    """Past TASK_RETRY_BUDGET it tries intake review too, and keeps trying: never lost."""
    stack = server_stack
    proxy, proxied_url = _database_proxy(stack)
    env = {
        **stack.env,
        "DATABASE_URL": proxied_url,
        "TASK_RETRY_BUDGET": "1",
        "TASK_RETRY_MIN_DELAY": "0.2",
        "TASK_RETRY_MAX_DELAY": "1",
    }
    app = stack.web_app()
    _, message_id = _stored_not_published(stack)
    worker = start_worker(env, tmp_path)  # its database does not answer
    try:
        _publish(app, message_id)
        past_budget = "kept failing past its retry budget"
        wait_until(lambda: past_budget in worker.output(), 60, "the budget", worker)
        retries = worker.output().count("Retry in")
        wait_until(lambda: worker.output().count("Retry in") > retries, 60, "a retry", worker)
        assert _status(app) == "submitted"
        assert f"[{message_id}] raised unexpected" not in worker.output()

        proxy.start()  # the database is back: routed as the rules say, not sent to review

        wait_until(lambda: _status(app) == "routed", ROUTING_TIMEOUT, "routing", worker)
        assert _count(app, Referral) == 1
    finally:
        worker.stop()
        proxy.stop()


def test_broker_messages_carry_ids_and_nothing_personal(server_stack: Stack) -> None:
    app = server_stack.web_app()
    submission_id, message_id = _stored_not_published(server_stack, **{"phq9.9": 3, "asq.1": 1})
    _publish(app, message_id)

    with Connection(server_stack.broker_url, connect_timeout=5) as connection:
        message = connection.default_channel.basic_get(Queues.ROUTING, no_ack=True)
        assert message is not None
        body = message.body.decode() if isinstance(message.body, bytes) else str(message.body)
        raw = body + json.dumps(message.headers, default=str)
        raw += json.dumps(message.properties, default=str)

    assert json.loads(body)[0] == [submission_id]
    assert message.headers["id"] == message_id
    for secret in (CANARY_EMAIL, CANARY_NAME, "phq9", "asq", "safety.now", "subject_age"):
        assert secret not in raw
