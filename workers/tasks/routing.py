"""Routing a submitted intake to specialist queues."""

from __future__ import annotations

from celery import shared_task

from clinic.routing import route_submission as route
from workers.queues import TaskNames


@shared_task(name=TaskNames.ROUTE_SUBMISSION)
def route_submission(submission_id: str) -> str:
    """Idempotent: a submission already routed is left as it is. Returns its status."""
    return route(submission_id)
