"""Celery queue and task names, in one place (GOV.UK Notify style).

A clinic can run separate worker pools per queue: e.g. one pool on `routing`,
one on `notifications`, one on `maintenance`. An intake takes two tasks: its
routing (`routing`) and one send of its staff alerts (`notifications`). The
`urgent` and specialist queues carry only the follow-ups that older versions
wrote (routing now writes the alerts itself); they stay declared so those are
still run.
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
    URGENT = "urgent"  # follow-ups of urgent and priority referrals, ahead of routine work

    SPECIALIST = (FAMILY, PLAY, DBT, EMDR, COUPLES, INTAKE)

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.ROUTING, cls.URGENT, cls.NOTIFICATIONS, cls.MAINTENANCE, *cls.SPECIALIST)


class TaskNames:
    ROUTE_SUBMISSION = "routing.route_submission"
    SWEEP_OUTBOX = "maintenance.sweep_outbox"
    FOLLOW_UP_REFERRAL = "referrals.follow_up"  # no longer written: runs rows of older versions
    SWEEP_DRAFTS = "maintenance.sweep_drafts"  # intake drafts: safety autosubmit, purge
    SEND_NOTIFICATION = "notifications.send"
    SEND_INTAKE_NOTIFICATIONS = "notifications.send_intake"  # an intake's staff alerts and pages
    SWEEP_NOTIFICATIONS = "notifications.sweep"  # digests and repeats of urgent pages
    EXPIRE_FAILED_MESSAGES = "maintenance.expire_failed_messages"  # their details, after N days
    FHIR_EXPORT = "maintenance.fhir_export"  # a FHIR bulk export's files
    SEAL_AUDIT = "maintenance.seal_audit"  # links new audit events into the keyed chain
    EXPORT_AUDIT_HEAD = "maintenance.export_audit_head"  # signed chain head to a file
    INVITE_RESCREENS = "rescreen.invite"  # beat: invite waiting clients who are due
    ASSESS_RESCREEN = "rescreen.assess"  # a sent re-screen, in the routing worker


TASK_QUEUES = {
    TaskNames.ROUTE_SUBMISSION: Queues.ROUTING,
    TaskNames.SWEEP_OUTBOX: Queues.MAINTENANCE,
    TaskNames.FOLLOW_UP_REFERRAL: Queues.INTAKE,  # each outbox row names its specialist queue
    TaskNames.SWEEP_DRAFTS: Queues.MAINTENANCE,
    TaskNames.SEND_NOTIFICATION: Queues.NOTIFICATIONS,
    TaskNames.SEND_INTAKE_NOTIFICATIONS: Queues.NOTIFICATIONS,
    TaskNames.SWEEP_NOTIFICATIONS: Queues.NOTIFICATIONS,
    TaskNames.EXPIRE_FAILED_MESSAGES: Queues.MAINTENANCE,
    TaskNames.FHIR_EXPORT: Queues.MAINTENANCE,
    TaskNames.SEAL_AUDIT: Queues.MAINTENANCE,
    TaskNames.EXPORT_AUDIT_HEAD: Queues.MAINTENANCE,
    TaskNames.INVITE_RESCREENS: Queues.NOTIFICATIONS,
    TaskNames.ASSESS_RESCREEN: Queues.ROUTING,
}
