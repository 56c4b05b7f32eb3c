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

from clinic.broker import filesystem
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


def check_visibility_timeout(
    config: Mapping[str, Any], holds: Mapping[str, float] | None = None
) -> None:
    """On Redis, refuse a visibility timeout out of step with the waits and the sweep.

    Redis hands an unacknowledged task to another worker after the visibility
    timeout, so every wait a worker holds a task for — a retry's delay
    (TASK_RETRY_MAX_DELAY) and the `holds` the caller adds (the notification
    lease wait) — must be shorter, or the task would run twice, or loop. And
    the timeout is how long the task of a worker that died waits; the outbox
    sweep publishes an unfinished task again after OUTBOX_REPUBLISH_AFTER, so a
    longer timeout would only deliver late a task the sweep already sent again:
    it must be at most that (Redis redelivers first, the sweep is the backstop).
    """
    if not str(config["CELERY_BROKER_URL"]).startswith(("redis://", "rediss://")):
        return
    timeout = float(config["BROKER_VISIBILITY_TIMEOUT"])
    waits = {"TASK_RETRY_MAX_DELAY": float(config["TASK_RETRY_MAX_DELAY"]), **(holds or {})}
    for name, wait in waits.items():
        if wait >= timeout:
            raise BrokerSettingsError(
                f"{name} ({wait:g}s) must be shorter than BROKER_VISIBILITY_TIMEOUT ({timeout:g}s)"
            )
    republish = float(config["OUTBOX_REPUBLISH_AFTER"])
    if timeout > republish:
        raise BrokerSettingsError(
            f"BROKER_VISIBILITY_TIMEOUT ({timeout:g}s) must be at most "
            f"OUTBOX_REPUBLISH_AFTER ({republish:g}s)"
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
        # A publish fails at once when the broker is down, and waits at most
        # BROKER_PUBLISH_TIMEOUT when it stalls (`publish_bounds`); the sweep retries it.
        "broker_transport_options": {
            "max_retries": 0,
            "visibility_timeout": app.config["BROKER_VISIBILITY_TIMEOUT"],
            # Redis: look for tasks of dead workers every 10 s, not every 100 s.
            "unacked_restore_throttle": 1,
        },
    }
    config["broker_transport_options"].update(
        publish_bounds(broker_url, float(app.config["BROKER_PUBLISH_TIMEOUT"]))
    )
    if broker_url.startswith("filesystem://"):
        config["broker_transport"] = filesystem.TRANSPORT
        config["broker_transport_options"].update(filesystem_broker_options(app.instance_path))
    return config


def publish_bounds(broker_url: str, timeout: float) -> dict[str, Any]:
    """Transport options that bound every broker wait by `timeout`, and RabbitMQ's confirms.

    `broker_connection_timeout` bounds only connecting (and the AMQP handshake). A
    broker that stalls or is cut off without closing the connection would make a
    publish wait for ever, so the socket reads and writes are bounded too: Redis
    (`socket_timeout`), RabbitMQ (`read_timeout`, `write_timeout`). RabbitMQ's
    publisher confirms (`confirm_publish`) make a publish return only once the
    broker has taken the message (and raise when it refuses it), so an outbox
    row is marked published only on the broker's confirm.
    """
    if broker_url.startswith(("redis://", "rediss://")):
        return {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if broker_url.startswith(("amqp://", "amqps://", "pyamqp://")):
        return {"confirm_publish": True, "read_timeout": timeout, "write_timeout": timeout}
    return {}


def init_app(app: Flask) -> Celery:
    """The web's Celery app, in `app.extensions["celery"]`: it sends tasks and runs none."""
    celery = Celery(app.import_name)
    celery.config_from_object(celery_config(app))
    celery.conf.update(app.config.get("CELERY_OVERRIDES", {}))
    app.extensions["celery"] = celery
    return celery
