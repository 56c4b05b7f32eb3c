"""The notification tasks, called directly as the worker would run them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import Celery
from celery.exceptions import Retry
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage, OnCallAlert, OutboxMessage
from clinic.models.columns import utcnow
from clinic.notifications import queue_staff_alerts, queue_submission_confirmation
from clinic.routing.record import record_routing
from tests import factories
from tests.clinic.notifications.conftest import (
    contact,
    referral_for,
    staff,
    submission_with,
)
from tests.support.smtp import SmtpServer
from workers.tasks.notifications import (
    send_intake_notifications,
    send_notification,
    sweep_notifications,
)

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}

# The tasks run as a worker runs them.
pytestmark = pytest.mark.usefixtures("worker_celery", "app_context")


def test_notification_tasks_run_on_the_notifications_queue(
    app: Flask, worker_celery: Celery
) -> None:
    assert TASK_QUEUES[TaskNames.SEND_NOTIFICATION] == Queues.NOTIFICATIONS
    assert TASK_QUEUES[TaskNames.SWEEP_NOTIFICATIONS] == Queues.NOTIFICATIONS
    beat = worker_celery.conf.beat_schedule
    assert beat["sweep-notifications"]["task"] == TaskNames.SWEEP_NOTIFICATIONS
    annotations = worker_celery.conf.task_annotations
    assert annotations[TaskNames.SEND_NOTIFICATION]["time_limit"] == 4 * app.config["MAIL_TIMEOUT"]
    assert TASK_QUEUES[TaskNames.SEND_INTAKE_NOTIFICATIONS] == Queues.NOTIFICATIONS
    limit = annotations[TaskNames.SEND_INTAKE_NOTIFICATIONS]["time_limit"]
    assert limit == 4 * app.config["MAIL_TIMEOUT"]


def _routed_with_two_staff(answers: dict[str, int | None]) -> str:
    """An intake routed with two intake coordinators to tell; its id."""
    staff("coordinator@example.org")
    staff("second@example.org")
    submission = factories.submitted_intake(answers=answers)
    db.session.commit()
    record_routing(str(submission.id))
    db.session.commit()
    return str(submission.id)


def _intake_task_rows(submission_id: str) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.status).where(
                OutboxMessage.kind == TaskNames.SEND_INTAKE_NOTIFICATIONS,
                OutboxMessage.target_id == submission_id,
            )
        )
    )


def _whole_run_mail_config(smtp_server: SmtpServer) -> dict[str, object]:
    """The server's config, with time for one run to send every message of an intake.

    A run claims messages only in its first MAIL_TIMEOUT and comes back for the rest
    (`send_for_intake`): the 2 s the server's config gives, for quick failures, can run
    out between two recipients on a busy machine, and these tests expect one run.
    """
    return {**smtp_server.mail_config(), "MAIL_TIMEOUT": 60.0}


def test_one_task_sends_every_staff_alert_of_an_intake_once(
    app: Flask, smtp_server: SmtpServer
) -> None:
    """Two referrals, two coordinators: four alerts, one task, each sent once."""
    app.config.update(_whole_run_mail_config(smtp_server))
    submission_id = _routed_with_two_staff({"safety.now": 1, "phq9.9": 2, **PTSD_POSITIVE})
    messages = db.session.scalars(select(NotificationMessage)).all()
    assert len(messages) == 4
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert sorted(kinds) == sorted(
        [TaskNames.ROUTE_SUBMISSION, TaskNames.SEND_INTAKE_NOTIFICATIONS]
    )

    assert send_intake_notifications(submission_id) == "sent"
    assert send_intake_notifications(submission_id) == "sent"  # delivered again: nothing more
    received = smtp_server.received()
    assert len(received) == 4
    assert len({m["Message-ID"] for m in received}) == 4
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(NotificationMessage))} == {"sent"}
    assert _intake_task_rows(submission_id) == ["done"]


def test_the_intake_task_sends_each_recipients_alerts_over_one_connection(
    app: Flask, smtp_server: SmtpServer
) -> None:
    """Two referrals, two coordinators: each coordinator's two alerts share a connection."""
    app.config.update(_whole_run_mail_config(smtp_server))
    submission_id = _routed_with_two_staff({"safety.now": 1, "phq9.9": 2, **PTSD_POSITIVE})

    assert send_intake_notifications(submission_id) == "sent"
    connections: dict[str, set[object]] = {}
    for message, peer in smtp_server.received_over():
        connections.setdefault(str(message["To"]), set()).add(peer)
    assert sorted(connections) == ["coordinator@example.org", "second@example.org"]
    assert [len(peers) for peers in connections.values()] == [1, 1]
    assert len(set.union(*connections.values())) == 2


def test_the_intake_task_comes_back_for_a_temporary_failure(
    app: Flask, smtp_server: SmtpServer
) -> None:
    app.config.update(_whole_run_mail_config(smtp_server))
    submission_id = _routed_with_two_staff({"safety.now": 1})
    smtp_server.refuse_with = "421"

    with pytest.raises(Retry):
        send_intake_notifications(submission_id)
    db.session.expire_all()
    assert _intake_task_rows(submission_id) == ["pending"]

    smtp_server.refuse_with = None
    db.session.execute(NotificationMessage.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()
    assert send_intake_notifications(submission_id) == "sent"
    assert len(smtp_server.received()) == 2
    db.session.expire_all()
    assert _intake_task_rows(submission_id) == ["done"]


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
