"""Celery's `shared_task`, typed: a task keeps its function's signature for the type checker.

Celery has no type information, so its decorator would make every task untyped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import celery

P = ParamSpec("P")
R = TypeVar("R")


def task(*, name: str, **options: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register the function as the task `name` (options as for `shared_task`)."""

    def register(function: Callable[P, R]) -> Callable[P, R]:
        registered: Callable[P, R] = celery.shared_task(name=name, **options)(function)
        return registered

    return register


def bound_task(
    *, name: str, **options: Any
) -> Callable[[Callable[Concatenate[celery.Task, P], R]], Callable[P, R]]:
    """As `task`, with the running task as the first argument (`bind=True`: for retries)."""

    def register(function: Callable[Concatenate[celery.Task, P], R]) -> Callable[P, R]:
        registered: Callable[P, R] = celery.shared_task(name=name, bind=True, **options)(function)
        return registered

    return register
