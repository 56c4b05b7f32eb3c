"""Trying a task again on a time budget when the database went away.

A task that fails for a passing reason (`clinic.models.unit_of_work.is_connection_loss`)
is retried with exponential backoff and decorrelated jitter — each wait drawn
between TASK_RETRY_MIN_DELAY and three times the last one, never above
TASK_RETRY_MAX_DELAY — for as long as TASK_RETRY_BUDGET lasts, counted from the
task's first try, so an outage of any length up to the budget is ridden out
whatever the number of tries.

A retry carries two keyword arguments of its own (`RETRY_KWARGS`: when the
first try was, and the last wait), numbers and nothing else; the task base
class takes them off before the task function runs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from celery import Task
from flask import current_app

FIRST_TRIED_AT = "_first_tried_at"
LAST_DELAY = "_last_retry_delay"
RETRY_KWARGS = (FIRST_TRIED_AT, LAST_DELAY)


def decorrelated_jitter(
    previous: float,
    floor: float,
    cap: float,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """The next wait: uniform between `floor` and three times `previous`, within [floor, cap].

    "Decorrelated jitter": waits grow roughly exponentially, but two tasks that
    failed together spread apart instead of retrying in step.
    """
    floor = min(floor, cap)
    return min(cap, max(floor, uniform(floor, max(floor, previous * 3))))


@dataclass(frozen=True)
class RetryClock:
    """When a task was first tried, and how long it waited last."""

    first_tried_at: float
    last_delay: float

    @classmethod
    def of(cls, kwargs: Mapping[str, Any] | None) -> RetryClock:
        """The clock a retry carried, or a new one for a first try."""
        kwargs = kwargs or {}
        return cls(
            first_tried_at=float(kwargs.get(FIRST_TRIED_AT) or time.time()),
            last_delay=float(kwargs.get(LAST_DELAY) or 0.0),
        )

    def within_budget(self, budget: float, now: float | None = None) -> bool:
        """True while the budget, counted from the first try, is not spent."""
        return (time.time() if now is None else now) - self.first_tried_at < budget


def within_budget(task: Task) -> bool:
    """The running task's retry budget (TASK_RETRY_BUDGET) is not spent yet."""
    clock = RetryClock.of(task.request.kwargs)
    return clock.within_budget(float(current_app.config["TASK_RETRY_BUDGET"]))


def retry_later(task: Task, exc: Exception, *, past_budget: bool = False) -> NoReturn:
    """Retry the running task after the next backoff; re-raise `exc` once the budget is
    spent, unless `past_budget` (what must never be lost keeps trying at the cap)."""
    config = current_app.config
    clock = RetryClock.of(task.request.kwargs)
    if not past_budget and not clock.within_budget(float(config["TASK_RETRY_BUDGET"])):
        raise exc
    delay = decorrelated_jitter(
        clock.last_delay,
        float(config["TASK_RETRY_MIN_DELAY"]),
        float(config["TASK_RETRY_MAX_DELAY"]),
    )
    kwargs = {
        **(task.request.kwargs or {}),
        FIRST_TRIED_AT: clock.first_tried_at,
        LAST_DELAY: delay,
    }
    raise task.retry(exc=exc, countdown=delay, kwargs=kwargs)
