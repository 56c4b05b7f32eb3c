"""The web's Celery app, and the broker settings it shares with the workers' Celery app.

Messages are JSON and carry ids only; each task has its queue (clinic.broker.names).
The web only sends tasks, by name (`celery.send_task`, from the outbox); the worker
side — the task base class, delivery guarantees and beat schedule — is
workers.celery_app, built on `celery_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from celery import Celery
from flask import Flask
from kombu.entity import Queue

from clinic.broker.names import TASK_QUEUES, Queues


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
    """The broker connection, serialisation and queues, the same for sender and worker."""
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
        "task_default_queue": Queues.ROUTING,
        "task_queues": [Queue(name, routing_key=name) for name in Queues.all()],
        "task_routes": {name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
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


def init_app(app: Flask) -> Celery:
    """The web's Celery app, in `app.extensions["celery"]`: it sends tasks and runs none."""
    celery = Celery(app.import_name)
    celery.config_from_object(celery_config(app))
    celery.conf.update(app.config.get("CELERY_OVERRIDES", {}))
    app.extensions["celery"] = celery
    return celery
