"""Sending notification messages, and the beat sweep of digests and on-call repeats."""

from __future__ import annotations

from celery import Task, shared_task

from clinic.notifications.digests import send_due_digests
from clinic.notifications.sending import send_message
from clinic.notifications.staff_alerts import repeat_pages
from workers.queues import TaskNames


@shared_task(name=TaskNames.SEND_NOTIFICATION, bind=True, max_retries=None)
def send_notification(self: Task, message_id: str) -> str:
    """Claim, send, mark sent; a temporary failure comes back after its backoff."""
    outcome = send_message(message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name=TaskNames.SWEEP_NOTIFICATIONS)
def sweep_notifications() -> int:
    """Write the on-call repeats and digests that are due; returns how many."""
    return repeat_pages() + send_due_digests()
