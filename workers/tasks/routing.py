"""Routing a submitted intake, and each referral's follow-up on its specialist queue.

Each runs its work as a `unit_of_work()` of its own, inside the task's, so that when
the database fails the work is rolled back before the task retries. A follow-up
that keeps failing is retried by the task base class until the budget is spent
(then the outbox sweep publishes it again). Routing must never leave an intake
unrouted: past the budget it sends the intake to intake review
(`record_routing_failure`), in a transaction of its own, retried until written.
"""

from __future__ import annotations

import logging

from celery import Task

from clinic.broker.names import TaskNames
from clinic.models.unit_of_work import is_connection_loss, unit_of_work
from clinic.routing.follow_up import follow_up_referral
from clinic.routing.record import record_routing, record_routing_failure
from workers.retrying import retry_later, within_budget
from workers.typed_tasks import bound_task, task

log = logging.getLogger(__name__)


@bound_task(name=TaskNames.ROUTE_SUBMISSION, max_retries=None)
def route_submission_task(self: Task, submission_id: str) -> str:
    """Idempotent: a submission already routed is left as it is. Returns its status."""
    try:
        with unit_of_work():
            return record_routing(submission_id)
    except Exception as exc:
        if not is_connection_loss(exc):
            raise
        if within_budget(self):
            retry_later(self, exc)
        failure = type(exc).__name__
    log.error("routing %s kept failing past its retry budget (%s)", submission_id, failure)
    try:
        with unit_of_work():
            return record_routing_failure(submission_id, failure)
    except Exception as exc:
        if not is_connection_loss(exc):
            raise
        retry_later(self, exc, past_budget=True)


@task(name=TaskNames.FOLLOW_UP_REFERRAL)
def follow_up(referral_id: str) -> str:
    """Runs on the referral's specialist queue (or `urgent`); idempotent."""
    with unit_of_work():
        return follow_up_referral(referral_id)
