"""Celery queue and task names, in one place (GOV.UK Notify style).

A clinic can run separate worker pools per queue: e.g. one pool on `routing`
and `maintenance`, one on `notifications`, and one per specialist queue.
"""

from __future__ import annotations


class Queues:
    ROUTING = "routing"
    NOTIFICATIONS = "notifications"
    MAINTENANCE = "maintenance"
    FAMILY = "family"
    PLAY = "play"
    DBT = "dbt"
    EMDR = "emdr"
    COUPLES = "couples"
    INTAKE = "intake"

    SPECIALIST = (FAMILY, PLAY, DBT, EMDR, COUPLES, INTAKE)

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.ROUTING, cls.NOTIFICATIONS, cls.MAINTENANCE, *cls.SPECIALIST)


class TaskNames:
    ROUTE_SUBMISSION = "routing.route_submission"
    SWEEP_OUTBOX = "maintenance.sweep_outbox"


TASK_QUEUES = {
    TaskNames.ROUTE_SUBMISSION: Queues.ROUTING,
    TaskNames.SWEEP_OUTBOX: Queues.MAINTENANCE,
}
