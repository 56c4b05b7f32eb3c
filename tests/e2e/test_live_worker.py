"""Submit → referral through a live worker, on every supported stack."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission, OutboxMessage, Referral
from tests.e2e.conftest import ProxiedStack, Stack
from tests.support.html import csrf_token
from tests.support.processes import start_beat, start_worker, wait_until
from workers.queues import Queues

pytestmark = pytest.mark.e2e

ROUTING_TIMEOUT = 90.0
FORM = {"path": "adult_self", "subject_age": "41", "safety_now": "1"}


def _submit(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client, "/intake")
    response = client.post("/intake", data={**FORM, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


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
        with app.app_context():
            assert db.session.scalars(select(OutboxMessage.status)).one() == "done"
    finally:
        worker.stop()


def test_the_worker_consumes_every_declared_queue(stack: Stack, tmp_path: Path) -> None:
    worker = start_worker(stack.env, tmp_path)
    try:
        celery = stack.web_app().extensions["celery"]
        replies = celery.control.inspect(timeout=5).active_queues() or {}
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
        time.sleep(3)  # the worker cannot hear of it while the broker is away
        assert _status(app) == "submitted"

        proxy.start()

        wait_until(lambda: _status(app) == "routed", ROUTING_TIMEOUT, "routing", worker)
        assert _queues(app) == ["intake"]
    finally:
        beat.stop()
        worker.stop()
