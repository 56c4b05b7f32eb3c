"""The beat task that removes the details of long-failed messages, run as the worker would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage
from clinic.models.columns import utcnow
from workers.celery_app import FAILED_MESSAGE_SWEEP_SECONDS
from workers.tasks.notifications import expire_failed_messages

# The tasks run as a worker runs them.
pytestmark = pytest.mark.usefixtures("worker_celery", "app_context")


def test_beat_runs_it_on_the_maintenance_queue(worker_celery: Celery) -> None:
    conf = worker_celery.conf
    assert TASK_QUEUES[TaskNames.EXPIRE_FAILED_MESSAGES] == Queues.MAINTENANCE
    assert conf.task_routes[TaskNames.EXPIRE_FAILED_MESSAGES] == {"queue": Queues.MAINTENANCE}
    entry = conf.beat_schedule["expire-failed-messages"]
    assert entry == {
        "task": TaskNames.EXPIRE_FAILED_MESSAGES,
        "schedule": FAILED_MESSAGE_SWEEP_SECONDS,
    }
    assert "args" not in entry and "kwargs" not in entry  # nothing personal in a task message
    assert worker_celery.tasks[TaskNames.EXPIRE_FAILED_MESSAGES] is not None


def _failed(event: str, days_ago: float) -> NotificationMessage:
    when = utcnow() - timedelta(days=days_ago)
    message = NotificationMessage(
        event=event,
        recipient="client",
        channel="sms",
        template="client_reach_out",
        status="failed",
        attempts=12,
        last_error="gave up after 12 tries",
        payload={"to": "+15550009999", "values": {}},
        created_at=when,
        claimed_at=when,
    )
    db.session.add(message)
    db.session.commit()
    return message


def test_the_task_wipes_old_failed_messages_once(app: Flask) -> None:
    old = _failed("test:old", 45)
    new = _failed("test:new", 2)

    assert expire_failed_messages() == 1
    assert expire_failed_messages() == 0

    db.session.refresh(old)
    db.session.refresh(new)
    assert old.payload is None and old.status == "failed" and old.details_removed
    assert new.payload == {"to": "+15550009999", "values": {}}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "message.details_removed")
    ).all()
    assert [e.target_id for e in events] == [str(old.id)]
