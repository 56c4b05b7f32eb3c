"""Sending notification messages; the beat sweeps of digests and on-call repeats, and of
the details of messages that failed longer ago than FAILED_MESSAGE_RETENTION_DAYS."""

from __future__ import annotations

from celery import Task

from clinic.broker.names import TaskNames
from clinic.notifications.digests import send_due_digests
from clinic.notifications.on_call import repeat_pages
from clinic.notifications.retention import remove_expired_details
from clinic.notifications.sending import send_for_intake, send_message
from workers.typed_tasks import bound_task, task


@bound_task(name=TaskNames.SEND_NOTIFICATION, max_retries=None)
def send_notification(self: Task, message_id: str) -> str:
    """Claim, send, mark sent; a temporary failure comes back after its backoff."""
    outcome = send_message(message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@bound_task(name=TaskNames.SEND_INTAKE_NOTIFICATIONS, max_retries=None)
def send_intake_notifications(self: Task, submission_id: str) -> str:
    """An intake's staff alerts and pages, in one task; comes back for what must wait."""
    outcome = send_for_intake(submission_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@task(name=TaskNames.SWEEP_NOTIFICATIONS)
def sweep_notifications() -> int:
    """Write the on-call repeats and digests that are due; returns how many."""
    return repeat_pages() + send_due_digests()


@task(name=TaskNames.EXPIRE_FAILED_MESSAGES)
def expire_failed_messages() -> int:
    """Remove the details of a batch of long-failed messages (`maintenance`); returns how many."""
    return remove_expired_details()
