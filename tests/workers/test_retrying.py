"""Retrying on a time budget: the backoff (pure), the budget, and the task base class."""

from __future__ import annotations

import contextvars
import random

import pytest
from celery import Celery
from celery.exceptions import Retry
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, PendingRollbackError

from clinic.models.unit_of_work import is_connection_loss
from workers.retrying import FIRST_TRIED_AT, LAST_DELAY, RetryClock, decorrelated_jitter

delays = st.floats(min_value=0, max_value=10_000, allow_nan=False)


@given(previous=delays, floor=st.floats(0.1, 10), cap=st.floats(0.1, 600), seed=st.integers())
def test_a_delay_stays_between_the_floor_and_the_cap(
    previous: float, floor: float, cap: float, seed: int
) -> None:
    delay = decorrelated_jitter(previous, floor, cap, random.Random(seed).uniform)
    assert min(floor, cap) <= delay <= cap


def test_delays_grow_from_the_floor_towards_the_cap() -> None:
    highest = [decorrelated_jitter(p, 1.0, 300.0, max) for p in (0, 1, 3, 9, 27, 81, 243)]
    assert highest == [1.0, 3.0, 9.0, 27.0, 81.0, 243.0, 300.0]
    assert decorrelated_jitter(200.0, 1.0, 300.0, min) == 1.0  # jitter reaches down to the floor


def test_two_tasks_that_failed_together_spread_apart() -> None:
    first = decorrelated_jitter(8.0, 1.0, 300.0, random.Random(1).uniform)
    second = decorrelated_jitter(8.0, 1.0, 300.0, random.Random(2).uniform)
    assert first != second


def test_the_budget_counts_from_the_first_try() -> None:
    clock = RetryClock.of({FIRST_TRIED_AT: 1000.0, LAST_DELAY: 4.0})
    assert clock.last_delay == 4.0
    assert clock.within_budget(1800.0, now=2799.0)
    assert not clock.within_budget(1800.0, now=2800.0)
    assert RetryClock.of(None).within_budget(1.0)  # a first try starts its clock now


def _lost_connection() -> DBAPIError:
    error = ConnectionError("server closed the connection")
    return DBAPIError("SELECT 1", {}, error, connection_invalidated=True)


def test_connection_loss_is_told_from_a_bug() -> None:
    assert is_connection_loss(_lost_connection())
    assert is_connection_loss(OperationalError("SELECT 1", {}, Exception("gone")))
    assert is_connection_loss(PendingRollbackError("roll back first"))
    assert not is_connection_loss(IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not is_connection_loss(ValueError("a bug"))


def test_the_task_base_class_retries_a_task_that_lost_its_database(
    app: Flask, worker_celery: Celery
) -> None:
    app.config.update(TASK_RETRY_MIN_DELAY=2.0, TASK_RETRY_MAX_DELAY=5.0)
    tries: list[dict[str, object]] = []

    @worker_celery.task(name="test.loses_database", bind=True)
    def loses_database(self: object, value: str) -> str:
        tries.append({"value": value})
        raise _lost_connection()

    with pytest.raises(Retry) as retried:
        contextvars.Context().run(loses_database.apply, args=["x"], throw=True)
    assert tries == [{"value": "x"}]  # the clock's keywords never reach the task function
    assert 2.0 <= float(str(retried.value.when)) <= 5.0


def test_a_bug_is_not_retried(worker_celery: Celery) -> None:
    @worker_celery.task(name="test.has_a_bug")
    def has_a_bug() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        contextvars.Context().run(has_a_bug.apply, throw=True)
