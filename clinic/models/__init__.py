"""Database models. Every schema change comes with an Alembic revision in migrations/."""

from clinic.models.api_token import ApiToken
from clinic.models.audit import AuditEvent
from clinic.models.outbox import OutboxMessage
from clinic.models.referral import Referral, ReferralEvent
from clinic.models.staff import StaffQueue, StaffUser
from clinic.models.submission import IntakeSubmission

__all__ = [
    "ApiToken",
    "AuditEvent",
    "IntakeSubmission",
    "OutboxMessage",
    "Referral",
    "ReferralEvent",
    "StaffQueue",
    "StaffUser",
]
