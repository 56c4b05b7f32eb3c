"""The Celery app, bound to the Flask app factory (Flask's Celery pattern).

Every task runs in a fresh Flask app context, so it gets its own database
session, and is one unit of work (clinic.unit_of_work): committed when the
task returns, rolled back when it raises (a retry too). Tasks and the services
they call never commit themselves. Messages are JSON and
carry ids only; tasks are acknowledged after they finish (`acks_late`) and a
worker that dies mid-task gives its message back (`reject_on_worker_lost`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu.entity import Queue

from clinic.notifications.sending import send_time_limit
from clinic.unit_of_work import unit_of_work
from workers.queues import TASK_QUEUES, Queues, TaskNames

DRAFT_SWEEP_SECONDS = 300.0  # intake drafts: safety autosubmit and expiry purge
FAILED_MESSAGE_SWEEP_SECONDS = 600.0  # details of messages failed longer than the limit


def filesystem_broker_options(instance_path: str) -> dict[str, Any]:
    """Folders of the embedded default's filesystem broker, made if missing."""
    root = Path(instance_path) / "broker"
    folders = {"in": root / "queue", "processed": root / "processed", "control": root / "control"}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["in"]),
        "data_folder_out": str(folders["in"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }


class BrokerSettingsError(RuntimeError):
    """Settings under which the broker would deliver a task twice while it still waits."""


def check_visibility_timeout(config: Mapping[str, Any]) -> None:
    """Refuse retry delays at or past Redis's visibility timeout.

    Redis hands an unacknowledged task to another worker after the visibility
    timeout; a retry (an ETA task held by the worker) waiting longer than that
    would run twice, or loop.
    """
    if not str(config["CELERY_BROKER_URL"]).startswith(("redis://", "rediss://")):
        return
    timeout = config["BROKER_VISIBILITY_TIMEOUT"]
    delay = config["TASK_RETRY_MAX_DELAY"]
    if delay >= timeout:
        raise BrokerSettingsError(
            f"TASK_RETRY_MAX_DELAY ({delay:g}s) must be shorter than "
            f"BROKER_VISIBILITY_TIMEOUT ({timeout:g}s)"
        )


def celery_config(app: Flask) -> dict[str, Any]:
    check_visibility_timeout(app.config)
    broker_url: str = app.config["CELERY_BROKER_URL"]
    config: dict[str, Any] = {
        "broker_url": broker_url,
        "broker_connection_timeout": app.config["BROKER_PUBLISH_TIMEOUT"],
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "task_default_queue": Queues.ROUTING,
        "task_queues": [Queue(name, routing_key=name) for name in Queues.all()],
        "task_routes": {name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        "beat_schedule": {
            "sweep-outbox": {
                "task": TaskNames.SWEEP_OUTBOX,
                "schedule": app.config["OUTBOX_SWEEP_SECONDS"],
            },
            "sweep-drafts": {"task": TaskNames.SWEEP_DRAFTS, "schedule": DRAFT_SWEEP_SECONDS},
            "sweep-notifications": {
                "task": TaskNames.SWEEP_NOTIFICATIONS,
                "schedule": app.config["OUTBOX_SWEEP_SECONDS"],
            },
            "expire-failed-messages": {
                "task": TaskNames.EXPIRE_FAILED_MESSAGES,
                "schedule": FAILED_MESSAGE_SWEEP_SECONDS,
            },
        },
        # A send never outlives its lease (see clinic.notifications.sending).
        "task_annotations": {
            TaskNames.SEND_NOTIFICATION: {"time_limit": send_time_limit(app.config)}
        },
        "beat_schedule_filename": str(Path(app.instance_path) / "celerybeat-schedule"),
        # A publish fails at once when the broker is down; the outbox sweep retries it.
        "broker_transport_options": {
            "max_retries": 0,
            "visibility_timeout": app.config["BROKER_VISIBILITY_TIMEOUT"],
            # Redis: look for tasks of dead workers every 10 s, not every 100 s.
            "unacked_restore_throttle": 1,
        },
    }
    if broker_url.startswith("filesystem://"):
        config["broker_transport_options"].update(filesystem_broker_options(app.instance_path))
    return config


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context(), unit_of_work():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(app))
    celery.conf.update(app.config.get("CELERY_OVERRIDES", {}))
    celery.set_default()
    import workers.tasks  # noqa: F401  registers the tasks with this app

    app.extensions["celery"] = celery
    return celery
