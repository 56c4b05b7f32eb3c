"""Submit → referral through a live worker, on every supported stack."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import Queues, TaskNames
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import IntakeSubmission, NotificationMessage, OutboxMessage, Referral
from tests import factories
from tests.clinic.intake.walker import submit_calm_intake
from tests.e2e.conftest import ProxiedStack, Stack
from tests.support.processes import start_beat, start_worker, wait_until

pytestmark = pytest.mark.e2e

ROUTING_TIMEOUT = 90.0
BROKER_LOST = "Connection to broker lost"


def _submit(app: Flask) -> None:
    """A whole intake filled in through the web pages, calm answers (general intake review)."""
    submit_calm_intake(app.test_client(), "adult_self", 41)


def _status(app: Flask) -> str:
    with app.app_context():
        return db.session.scalars(select(IntakeSubmission.status)).one()


def _queues(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Referral.queue)))


def test_an_intake_submitted_on_the_web_is_routed_by_the_live_worker(
    stack: Stack, tmp_path: Path
) -> None:
    worker = start_worker(stack.env, tmp_path)
    try:
        app = stack.web_app()
        _submit(app)
        wait_until(lambda: _status(app) == "routed", ROUTING_TIMEOUT, "routing", worker)
        assert _queues(app) == ["intake"]
        wait_until(lambda: _outbox(app) == {"done"}, ROUTING_TIMEOUT, "follow-ups", worker)
    finally:
        worker.stop()


def _outbox(app: Flask, kind: str | None = None) -> set[str]:
    with app.app_context():
        query = select(OutboxMessage.status)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return set(db.session.scalars(query))


def _waiting_in(app: Flask, queue: str) -> int:
    """Messages ready in `queue` on the stack's broker, none taken by a worker."""
    with app.extensions["celery"].connection_for_read() as connection:
        try:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
        except connection.channel_errors:  # not declared yet: nothing published to it
            return 0
        return int(declared.message_count)


def test_an_intake_takes_two_tasks_and_routing_needs_no_other_pool(
    stack: Stack, tmp_path: Path
) -> None:
    """Routing in a pool of its own writes the referrals and staff alerts; the one task
    that sends them waits for the notifications pool."""
    routing_pool = start_worker(stack.env, tmp_path, "routing", queues=(Queues.ROUTING,))
    notifications_pool = None
    try:
        app = stack.web_app()
        with app.app_context():
            factories.staff_user()  # an intake coordinator: told of every referral
            submit_intake(
                path="adult_self",
                subject_age=30,
                answers={"safety.now": 1, "phq9.9": 2, **{f"pcptsd5.{n}": 1 for n in range(6)}},
            )
            db.session.commit()
        wait_until(
            lambda: sorted(_queues(app)) == ["dbt", "emdr"],
            ROUTING_TIMEOUT,
            "routing",
            routing_pool,
        )
        wait_until(
            lambda: _waiting_in(app, Queues.NOTIFICATIONS) == 1,
            ROUTING_TIMEOUT,
            "the intake's one send task to wait in the notifications queue",
            routing_pool,
        )
        assert _kinds(app) == {TaskNames.ROUTE_SUBMISSION, TaskNames.SEND_INTAKE_NOTIFICATIONS}
        assert _outbox(app, TaskNames.ROUTE_SUBMISSION) == {"done"}
        assert _outbox(app, TaskNames.SEND_INTAKE_NOTIFICATIONS) == {"pending"}

        notifications_pool = start_worker(
            stack.env, tmp_path, "notifications", queues=(Queues.NOTIFICATIONS,)
        )
        wait_until(
            lambda: _outbox(app, TaskNames.SEND_INTAKE_NOTIFICATIONS) == {"done"},
            ROUTING_TIMEOUT,
            "the staff alerts to be sent",
            notifications_pool,
        )
        assert _message_statuses(app) == ["sent", "sent"]
    finally:
        routing_pool.stop()
        if notifications_pool is not None:
            notifications_pool.stop()


def _kinds(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(OutboxMessage.kind)))


def _message_statuses(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(NotificationMessage.status)))


def test_the_worker_consumes_every_declared_queue(stack: Stack, tmp_path: Path) -> None:
    worker = start_worker(stack.env, tmp_path)
    try:
        celery = stack.web_app().extensions["celery"]
        # The only worker on the test's broker: the first reply is all there is to wait for.
        replies = celery.control.inspect(timeout=10, limit=1).active_queues() or {}
        consumed = {queue["name"] for queues in replies.values() for queue in queues}
        assert consumed == set(Queues.all()), worker.output()[-2000:]
    finally:
        worker.stop()


def test_an_intake_submitted_while_the_broker_is_down_is_routed_when_it_returns(
    proxied_stack: ProxiedStack, tmp_path: Path
) -> None:
    stack, proxy = proxied_stack.stack, proxied_stack.proxy
    worker = start_worker(stack.env, tmp_path)
    beat = start_beat(stack.env, tmp_path)
    try:
        app = stack.web_app()
        proxy.stop()

        _submit(app)

        with app.app_context():
            message = db.session.scalars(select(OutboxMessage)).one()
            assert (message.status, message.last_error) == ("pending", "OperationalError")
        worker.wait_for_output(BROKER_LOST)  # it cannot hear of the intake while the broker is away
        assert _status(app) == "submitted"

        proxy.start()

        wait_until(lambda: _status(app) == "routed", ROUTING_TIMEOUT, "routing", worker)
        assert _queues(app) == ["intake"]
    finally:
        beat.stop()
        worker.stop()
