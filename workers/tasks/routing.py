"""Routing a submitted intake, and each referral's follow-up on its specialist queue.

Each runs its work as a `unit_of_work()` of its own, inside the task's, so that when
the database fails (DBAPIError, on a statement or on the commit) the work is rolled
back before the task retries or, after the last try, records the failure.
"""

from __future__ import annotations

import logging
import random
from typing import NoReturn

from celery import Task
from flask import current_app
from sqlalchemy.exc import DBAPIError

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.models.unit_of_work import unit_of_work
from clinic.observability import metrics
from clinic.routing.follow_up import follow_up_referral
from clinic.routing.record import record_routing
from workers.typed_tasks import bound_task

log = logging.getLogger(__name__)


def retry_delay(retries: int) -> float:
    """Exponential backoff with full jitter, capped below the broker's visibility timeout."""
    cap = current_app.config["TASK_RETRY_MAX_DELAY"]
    return random.uniform(0, min(cap, 2.0 ** (retries + 1)))


def _retry_or_fail(task: Task, kind: str, target_id: str, exc: DBAPIError) -> NoReturn:
    """The database went away: try again later; after the last try, say so where staff look.

    The failed unit of work is rolled back already; recording the failure is one of its own.
    """
    if task.request.retries < current_app.config["ROUTING_MAX_RETRIES"]:
        raise task.retry(exc=exc, countdown=retry_delay(task.request.retries))
    log.error("%s %s failed after %s tries", kind, target_id, task.request.retries + 1)
    metrics.ROUTING_FAILURES.labels(reason="gave_up").inc()
    try:
        with unit_of_work():
            outbox.mark_failed(kind, target_id, f"database unavailable: {type(exc).__name__}")
    except DBAPIError:
        log.error("could not record the failure of %s %s; the outbox sweep will", kind, target_id)
    raise exc


@bound_task(name=TaskNames.ROUTE_SUBMISSION, max_retries=None)
def route_submission_task(self: Task, submission_id: str) -> str:
    """Idempotent: a submission already routed is left as it is. Returns its status."""
    try:
        with unit_of_work():
            return record_routing(submission_id)
    except DBAPIError as exc:
        _retry_or_fail(self, TaskNames.ROUTE_SUBMISSION, submission_id, exc)


@bound_task(name=TaskNames.FOLLOW_UP_REFERRAL, max_retries=None)
def follow_up(self: Task, referral_id: str) -> str:
    """Runs on the referral's specialist queue (or `urgent`); idempotent."""
    try:
        with unit_of_work():
            return follow_up_referral(referral_id)
    except DBAPIError as exc:
        _retry_or_fail(self, TaskNames.FOLLOW_UP_REFERRAL, referral_id, exc)
