"""Worker and beat logs: the clinic's format (clinic.observability.logs), and each
task's ids on every record it logs.

A task published from the outbox carries two message headers: `outbox_id`, its
row (the task's id too), and `request_id`, the web request that wrote the row,
or the one the task that wrote it was carrying. No other header is added, and
neither holds anything personal.
"""

from __future__ import annotations

from typing import Any

from celery import signals
from flask import Flask

from clinic.observability import errors, logs


def _bind_task(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    logs.bind(
        task_id=task_id,
        outbox_id=getattr(request, "outbox_id", None),
        request_id=getattr(request, "request_id", None),
    )


def _unbind_task(**_: Any) -> None:
    logs.bind(task_id=None, outbox_id=None, request_id=None)


def init_logging(app: Flask) -> None:
    """Configure the process's logs; Celery then leaves logging alone (a receiver of
    `setup_logging` replaces its own set-up) but for the level of `--loglevel`."""

    def setup(loglevel: Any = None, **_: Any) -> None:
        logs.configure(app.config, level=loglevel or None)

    logs.configure(app.config)
    errors.init(app.config)
    signals.setup_logging.connect(setup, weak=False, dispatch_uid="clinic-logging")


signals.task_prerun.connect(_bind_task, weak=False, dispatch_uid="clinic-task-ids")
signals.task_postrun.connect(_unbind_task, weak=False, dispatch_uid="clinic-task-ids-end")
