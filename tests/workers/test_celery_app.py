from __future__ import annotations

from flask import Flask

from workers.queues import TASK_QUEUES, Queues, TaskNames


def test_every_task_is_registered_under_its_explicit_name(app: Flask) -> None:
    celery = app.extensions["celery"]
    for name in (TaskNames.ROUTE_SUBMISSION, TaskNames.SWEEP_OUTBOX):
        assert name in celery.tasks
    assert set(TASK_QUEUES) == {TaskNames.ROUTE_SUBMISSION, TaskNames.SWEEP_OUTBOX}


def test_every_declared_queue_is_configured(app: Flask) -> None:
    celery = app.extensions["celery"]
    assert [q.name for q in celery.conf.task_queues] == list(Queues.all())
    assert set(Queues.all()) >= {"routing", "notifications", "maintenance"}
    assert set(Queues.SPECIALIST) == {"family", "play", "dbt", "emdr", "couples", "intake"}


def test_delivery_settings_never_lose_a_task(app: Flask) -> None:
    conf = app.extensions["celery"].conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]


def test_tasks_run_in_a_fresh_app_context(app: Flask) -> None:
    from flask import current_app

    celery = app.extensions["celery"]

    @celery.task(name="test.app_name")
    def app_name() -> str:
        return str(current_app.import_name)

    assert app_name() == "clinic"
