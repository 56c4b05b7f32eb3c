"""Reading what the intake stored, for assertions."""

from __future__ import annotations

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, IntakeSubmission, OutboxMessage


def only_submission() -> IntakeSubmission:
    db.session.expire_all()
    return db.session.scalars(select(IntakeSubmission)).one()


def outbox_rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
