"""Database models. Every schema change comes with an Alembic revision in migrations/.

Beside them: the column encryption (`encryption`) and the JSON documents the columns
hold (`documents`)."""

from clinic.models.api_token import ApiToken
from clinic.models.audit import AuditChainHead, AuditEvent
from clinic.models.client import Client, Rescreen, RescreenInvitation
from clinic.models.fhir_export import FhirExport
from clinic.models.heartbeat import ServiceHeartbeat
from clinic.models.idempotency import ApiIdempotencyKey
from clinic.models.intake_reference import IntakeReferenceCounter
from clinic.models.notification import NotificationMessage, OnCallAlert, StaffAlert
from clinic.models.outbox import OutboxMessage
from clinic.models.referral import Referral, ReferralEvent
from clinic.models.referral_note import ReferralNote
from clinic.models.staff import StaffQueue, StaffRecoveryCode, StaffUser
from clinic.models.submission import IntakeSubmission
from clinic.models.submission_flag import SubmissionFlag

__all__ = [
    "ApiIdempotencyKey",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Client",
    "FhirExport",
    "IntakeReferenceCounter",
    "IntakeSubmission",
    "NotificationMessage",
    "OnCallAlert",
    "OutboxMessage",
    "Referral",
    "ReferralEvent",
    "ReferralNote",
    "Rescreen",
    "RescreenInvitation",
    "ServiceHeartbeat",
    "StaffAlert",
    "StaffQueue",
    "StaffRecoveryCode",
    "StaffUser",
    "SubmissionFlag",
]
