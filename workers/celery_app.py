"""The workers' Celery app, bound to the Flask app (Flask's Celery pattern).

Every task runs in a fresh Flask app context, so it gets its own database
session, and is one unit of work (clinic.models.unit_of_work): committed when the
task returns, rolled back when it raises (a retry too). A task that fails
because the database went away (`is_connection_loss`: a connection invalidated
mid-transaction, an OperationalError, a PendingRollbackError) is tried again
on a time budget (workers.retrying). Tasks and the services they call never
commit themselves. Messages are JSON and
carry ids only; tasks are acknowledged after they finish (`acks_late`) and a
worker that dies mid-task gives its message back (`reject_on_worker_lost`).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.exceptions import Retry
from flask import Flask

from clinic.broker.celery_app import celery_config, check_visibility_timeout
from clinic.broker.names import TaskNames
from clinic.models.unit_of_work import is_connection_loss, unit_of_work
from clinic.notifications.sending import lease_seconds, send_time_limit
from workers import tasks  # noqa: F401  registers the tasks (shared tasks: with every app)
from workers.heartbeat import WorkerHeartbeat
from workers.retrying import RETRY_KWARGS, retry_later

DRAFT_SWEEP_SECONDS = 300.0  # intake drafts: safety autosubmit and expiry purge
FAILED_MESSAGE_SWEEP_SECONDS = 600.0  # details of messages failed longer than the limit
RESCREEN_SWEEP_SECONDS = 3600.0  # re-screen invitations that are due


def worker_config(app: Flask) -> dict[str, Any]:
    """The shared broker settings (clinic.broker.celery_app), delivery and the beat.

    A send that finds its message claimed by a worker that may still be sending
    waits out the lease (clinic.notifications.sending): on Redis that wait, too,
    must end before the visibility timeout.
    """
    lease_wait = {"the notification lease wait (5 × MAIL_TIMEOUT)": lease_seconds(app.config) + 1}
    check_visibility_timeout(app.config, lease_wait)
    return {
        **celery_config(app),
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
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
            "invite-rescreens": {
                "task": TaskNames.INVITE_RESCREENS,
                "schedule": RESCREEN_SWEEP_SECONDS,
            },
            "seal-audit": {
                "task": TaskNames.SEAL_AUDIT,
                "schedule": app.config["AUDIT_SEAL_SECONDS"],
            },
            "export-audit-head": {
                "task": TaskNames.EXPORT_AUDIT_HEAD,
                "schedule": app.config["AUDIT_HEAD_EXPORT_SECONDS"],
            },
        },
        # A send never outlives its lease (see clinic.notifications.sending).
        "task_annotations": {
            TaskNames.SEND_NOTIFICATION: {"time_limit": send_time_limit(app.config)},
            TaskNames.SEND_INTAKE_NOTIFICATIONS: {"time_limit": send_time_limit(app.config)},
        },
        # Beat runs only while it holds the leader lease; a second beat stands by.
        "beat_scheduler": "workers.beat:LeaderScheduler",
    }


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]
        max_retries = None  # retries end with the time budget (workers.retrying)
        typing = False  # a retry adds its clock's keywords, taken off below

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            own = {key: value for key, value in kwargs.items() if key not in RETRY_KWARGS}
            with app.app_context():
                try:
                    with unit_of_work():
                        return self.run(*args, **own)
                except Retry:
                    raise
                except Exception as exc:
                    if not is_connection_loss(exc):
                        raise
                    retry_later(self, exc)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.config_from_object(worker_config(app))
    celery.conf.update(app.config.get("CELERY_OVERRIDES", {}))
    celery.set_default()
    celery.flask_app = app  # the beat scheduler and the worker heartbeat use its context
    celery.steps["worker"].add(WorkerHeartbeat)

    app.extensions["celery"] = celery
    return celery
