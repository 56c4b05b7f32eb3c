"""The notification tasks, called directly as the worker would run them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery import Celery
from celery.exceptions import Retry
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage, OnCallAlert
from clinic.models.columns import utcnow
from clinic.notifications import queue_staff_alerts, queue_submission_confirmation
from tests.clinic.notifications.conftest import (
    contact,
    referral_for,
    staff,
    submission_with,
)
from tests.support.smtp import SmtpServer
from workers.tasks.notifications import send_notification, sweep_notifications

# The tasks run as a worker runs them.
pytestmark = pytest.mark.usefixtures("worker_celery", "app_context")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def test_notification_tasks_run_on_the_notifications_queue(
    app: Flask, worker_celery: Celery
) -> None:
    assert TASK_QUEUES[TaskNames.SEND_NOTIFICATION] == Queues.NOTIFICATIONS
    assert TASK_QUEUES[TaskNames.SWEEP_NOTIFICATIONS] == Queues.NOTIFICATIONS
    beat = worker_celery.conf.beat_schedule
    assert beat["sweep-notifications"]["task"] == TaskNames.SWEEP_NOTIFICATIONS
    annotations = worker_celery.conf.task_annotations
    assert annotations[TaskNames.SEND_NOTIFICATION]["time_limit"] == 4 * app.config["MAIL_TIMEOUT"]


def test_the_send_task_sends_once_and_retries_a_temporary_failure(
    app: Flask, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.mail_config())
    queue_submission_confirmation(submission_with(contact(email=True)))
    db.session.commit()
    message_id = str(db.session.scalars(select(NotificationMessage.id)).one())
    smtp_server.refuse_with = "421"

    with pytest.raises(Retry):
        send_notification(message_id)

    smtp_server.refuse_with = None
    db.session.execute(NotificationMessage.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()
    assert send_notification(message_id) == "sent"
    assert send_notification(message_id) == "sent"
    assert len(smtp_server.received()) == 1


def test_the_sweep_repeats_due_pages(app: Flask) -> None:
    staff("coordinator@example.org")
    queue_staff_alerts([referral_for(submission_with(contact()), priority="urgent")])
    db.session.commit()
    assert sweep_notifications() == 0

    page = db.session.scalars(select(OnCallAlert)).one()
    page.next_page_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert sweep_notifications() == 1
    pages = db.session.scalars(
        select(NotificationMessage.event).where(NotificationMessage.template == "staff_page")
    ).all()
    assert sorted(pages) == [f"page:{page.id}:1", f"page:{page.id}:2"]
