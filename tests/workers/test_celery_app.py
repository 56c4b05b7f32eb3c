from __future__ import annotations

import contextvars
from pathlib import Path

import pytest
from celery import Celery
from flask import Flask

from clinic import create_app
from clinic.broker.celery_app import BrokerSettingsError, check_visibility_timeout
from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
from referrals import QUEUES
from workers.tasks.routing import retry_delay


def test_every_task_is_registered_under_its_explicit_name(worker_celery: Celery) -> None:
    celery = worker_celery
    names = {value for key, value in vars(TaskNames).items() if key.isupper()}
    assert set(TASK_QUEUES) == names
    for name in names:
        assert name in celery.tasks


def test_every_declared_queue_is_configured(worker_celery: Celery) -> None:
    celery = worker_celery
    assert [q.name for q in celery.conf.task_queues] == list(Queues.all())
    assert set(Queues.all()) >= {"routing", "notifications", "maintenance"}
    assert set(Queues.SPECIALIST) == set(QUEUES)  # the routing engine's queue catalogue


def test_delivery_settings_never_lose_a_task(worker_celery: Celery) -> None:
    conf = worker_celery.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]


def test_tasks_run_in_a_fresh_app_context(worker_celery: Celery) -> None:
    from flask import current_app

    celery = worker_celery

    @celery.task(name="test.app_name")
    def app_name() -> str:
        return str(current_app.import_name)

    # Called as a worker calls it, in no app context of the test's.
    assert contextvars.Context().run(app_name) == "clinic"


def test_retry_delays_longer_than_the_visibility_timeout_are_refused() -> None:
    config = {
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "BROKER_VISIBILITY_TIMEOUT": 60.0,
        "TASK_RETRY_MAX_DELAY": 60.0,
    }
    with pytest.raises(BrokerSettingsError, match=r"TASK_RETRY_MAX_DELAY \(60s\) must be shorter"):
        check_visibility_timeout(config)
    check_visibility_timeout({**config, "TASK_RETRY_MAX_DELAY": 59.0})
    check_visibility_timeout({**config, "CELERY_BROKER_URL": "amqp://guest@127.0.0.1//"})


def test_the_app_refuses_to_start_with_such_settings(tmp_path: Path) -> None:
    with pytest.raises(BrokerSettingsError):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
                "BROKER_VISIBILITY_TIMEOUT": 10.0,
            }
        )


@pytest.mark.usefixtures("app_context")
def test_retry_delays_grow_and_stay_under_the_cap(app: Flask) -> None:
    app.config["TASK_RETRY_MAX_DELAY"] = 30.0
    for retries in range(12):
        assert 0 <= retry_delay(retries) <= min(30.0, 2.0 ** (retries + 1))
