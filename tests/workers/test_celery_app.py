from __future__ import annotations

import contextvars
from pathlib import Path

import pytest
from celery import Celery
from flask import Flask

from clinic import create_app
from clinic.broker.celery_app import BrokerSettingsError, check_visibility_timeout, publish_bounds
from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
from referrals import QUEUES
from workers.celery_app import worker_config


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


REDIS_CONFIG = {
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "BROKER_VISIBILITY_TIMEOUT": 60.0,
    "TASK_RETRY_MAX_DELAY": 59.0,
    "OUTBOX_REPUBLISH_AFTER": 60.0,
}


def test_retry_delays_longer_than_the_visibility_timeout_are_refused() -> None:
    config = {**REDIS_CONFIG, "TASK_RETRY_MAX_DELAY": 60.0}
    with pytest.raises(BrokerSettingsError, match=r"TASK_RETRY_MAX_DELAY \(60s\) must be shorter"):
        check_visibility_timeout(config)
    check_visibility_timeout(REDIS_CONFIG)
    check_visibility_timeout({**config, "CELERY_BROKER_URL": "amqp://guest@127.0.0.1//"})


def test_a_visibility_timeout_past_the_republish_interval_is_refused() -> None:
    """Redis redelivers a dead worker's task first; the sweep is only the backstop."""
    config = {**REDIS_CONFIG, "OUTBOX_REPUBLISH_AFTER": 59.0}
    with pytest.raises(BrokerSettingsError, match=r"at most OUTBOX_REPUBLISH_AFTER \(59s\)"):
        check_visibility_timeout(config)


def test_the_notification_lease_wait_must_end_before_the_visibility_timeout(app: Flask) -> None:
    app.config.update(REDIS_CONFIG, MAIL_TIMEOUT=12.0)  # a lease of 60 s, waited 61 s
    with pytest.raises(BrokerSettingsError, match=r"notification lease wait .*\(61s\)"):
        worker_config(app)
    app.config["MAIL_TIMEOUT"] = 11.0
    worker_config(app)


def test_the_default_settings_pass_the_check(app: Flask) -> None:
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    worker_config(app)


def test_the_app_refuses_to_start_with_such_settings(tmp_path: Path) -> None:
    with pytest.raises(BrokerSettingsError):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
                "BROKER_VISIBILITY_TIMEOUT": 10.0,
            }
        )


def test_every_broker_wait_is_bounded_by_the_publish_timeout() -> None:
    assert publish_bounds("redis://127.0.0.1:6379/0", 2.5) == {
        "socket_timeout": 2.5,
        "socket_connect_timeout": 2.5,
    }
    assert publish_bounds("amqp://guest@127.0.0.1//", 2.5) == {
        "confirm_publish": True,
        "read_timeout": 2.5,
        "write_timeout": 2.5,
    }
    assert publish_bounds("filesystem://", 2.5) == {}
