"""Test data made through the same service functions the app uses.

One factory (at least) per model, listed in `FACTORIES`; tests/test_factories.py
fails when a model has none. Each takes keyword overrides, flushes, and returns
the object. Factories that route an intake (`referral` and those built on it)
run the routing service in a unit of work, as the routing task does, so they
commit: in the test fixture's transaction that releases a SAVEPOINT, undone
with the rest of the test.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pyotp
from flask import current_app
from sqlalchemy import select

from clinic.api import idempotency
from clinic.api.tokens import create_token
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.intake.drafts import save_answers, start_draft
from clinic.intake.services import submit_intake
from clinic.models import (
    ApiIdempotencyKey,
    ApiToken,
    AuditChainHead,
    AuditEvent,
    Client,
    FhirExport,
    IntakeReferenceCounter,
    IntakeSubmission,
    NotificationMessage,
    OnCallAlert,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralNote,
    Rescreen,
    RescreenInvitation,
    ServiceHeartbeat,
    StaffAlert,
    StaffQueue,
    StaffRecoveryCode,
    StaffUser,
    SubmissionFlag,
)
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications import queue_submission_confirmation
from clinic.notifications.on_call import alert_for
from clinic.operations.heartbeats import write_worker_heartbeat
from clinic.routing.follow_up import follow_up_referral
from clinic.routing.record import record_routing
from clinic.security import audit, audit_seal
from clinic.staff import mfa, referral_actions
from clinic.staff.services import create_staff_user

STAFF_PASSWORD = "correct horse battery staple"
PARTNER_RISK = {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 1, "rship.5": 0}
"""Answers that route with the `partner_safety` flag."""

_serial = itertools.count(1)


def _unique_email(role: str) -> str:
    """A new address each call, so a test can make several accounts of one role."""
    return f"{role.replace('_', '-')}-{next(_serial)}@example.org"


def safe_email_contact(email: str = "client@example.org") -> dict[str, Any]:
    """A contact document in which the client marked email as a safe channel."""
    return {
        "language": "en",
        "email": email,
        "channels": {
            "email": {"allowed": True, "mention_clinic": False},
            "phone": {"allowed": False, "leave_message": False, "mention_clinic": False},
            "text": {"allowed": False, "mention_clinic": False},
        },
        "safe_times": [],
        "caregiver_contact_ok": None,
        "resume_email_ok": False,
    }


# --- intakes -------------------------------------------------------------------------


def submitted_intake(**overrides: Any) -> IntakeSubmission:
    """A complete intake submitted directly (as the API does), with its routing outbox row."""
    values: dict[str, Any] = {
        "path": "adult_self",
        "subject_age": 34,
        "answers": {"safety.now": 1},
        "contact": {"email": "client@example.org"},
    }
    values.update(overrides)
    return db.session.get_one(IntakeSubmission, submit_intake(**values))


def reference_counter(**overrides: Any) -> IntakeReferenceCounter:
    """A year's count of the readable ids an earlier version gave (a year's sequence
    starts after it: clinic.intake.references)."""
    counter = IntakeReferenceCounter(**{"year": 1999, "last_number": 41, **overrides})
    db.session.add(counter)
    db.session.flush()
    return counter


def draft(**overrides: Any) -> IntakeSubmission:
    """A draft started in the intake, with `answers` (default: one non-acute) saved to it."""
    answers: dict[str, int | None] = overrides.pop("answers", {"safety.now": 1})
    values: dict[str, Any] = {"path": "adult_self", "subject_age": 34, "language": "en"}
    values.update(overrides)
    with current_app.test_request_context():
        started = start_draft(**values)
        save_answers(started, answers)
    db.session.flush()
    return started


def paged_draft(
    answers: dict[str, int | None] | None = None,
) -> tuple[IntakeSubmission, OnCallAlert]:
    """A draft in which an acute answer was saved, so on-call was paged from it."""
    with current_app.test_request_context():
        draft = start_draft(path="adult_self", subject_age=34, language="en")
        save_answers(draft, answers or {"safety.now": 0})
    db.session.flush()
    page = alert_for(draft.id)
    assert page is not None, "the answers should have made the draft acute"
    return draft, page


def routed_intake(**overrides: Any) -> IntakeSubmission:
    """A submitted intake routed by the routing service in a unit of work (as its task does).

    Overrides go to `submitted_intake`.
    """
    submission = submitted_intake(**overrides)
    with unit_of_work():
        record_routing(str(submission.id))
    db.session.refresh(submission)
    return submission


# --- staff ---------------------------------------------------------------------------


def staff_user(**overrides: Any) -> StaffUser:
    """An intake coordinator (the fixed address coordinator@example.org unless overridden)."""
    values: dict[str, Any] = {
        "email": "coordinator@example.org",
        "display_name": "Coordinator",
        "password": STAFF_PASSWORD,
        "role": "intake_coordinator",
    }
    values.update(overrides)
    user = create_staff_user(**values)
    db.session.flush()
    return user


def coordinator(**overrides: Any) -> StaffUser:
    """An intake coordinator with an address of its own (works every queue)."""
    values: dict[str, Any] = {"email": _unique_email("intake_coordinator")}
    values.update(overrides)
    return staff_user(**values)


def clinician(**overrides: Any) -> StaffUser:
    """A clinician working `queues` (default: intake and dbt)."""
    values: dict[str, Any] = {
        "email": _unique_email("clinician"),
        "display_name": "Clinician",
        "role": "clinician",
        "queues": ("intake", "dbt"),
    }
    values.update(overrides)
    return staff_user(**values)


def admin(**overrides: Any) -> StaffUser:
    """An administrator (role admin, so also `is_admin`)."""
    values: dict[str, Any] = {
        "email": _unique_email("admin"),
        "display_name": "Administrator",
        "role": "admin",
    }
    values.update(overrides)
    return staff_user(**values)


def staff_queue(**overrides: Any) -> StaffQueue:
    """The queue assignment of a new clinician working `queue` (default dbt)."""
    queue: str = overrides.pop("queue", "dbt")
    user = clinician(queues=(queue,), **overrides)
    [assignment] = user.queue_assignments
    return assignment


def recovery_code(**overrides: Any) -> StaffRecoveryCode:
    """One of the recovery codes a staff member got by setting up the authenticator app.

    Overrides go to `coordinator`.
    """
    user = coordinator(**overrides)
    secret = mfa.enrolment_secret(user)
    codes = mfa.confirm_enrolment(user, pyotp.TOTP(secret).now())
    assert codes, "a current code should have confirmed the enrolment"
    db.session.flush()
    return user.recovery_codes[0]


def api_token(**overrides: Any) -> ApiToken:
    """A JSON API token made for `user` (default: a new coordinator) and `name`."""
    user: StaffUser = overrides.pop("user", None) or coordinator()
    name: str = overrides.pop("name", "test")
    create_token(user, name, **overrides)
    db.session.flush()
    return db.session.scalars(
        select(ApiToken).where(ApiToken.staff_user_id == user.id, ApiToken.name == name)
    ).one()


def fhir_export(**overrides: Any) -> FhirExport:
    """A FHIR bulk export asked for by `owner` (default: a new coordinator), not yet written."""
    owner: StaffUser = overrides.pop("owner", None) or coordinator()
    values: dict[str, Any] = {
        "owner_id": owner.id,
        "resource_types": ["Task"],
        "queues": ["intake", "dbt"],
        "request_url": "http://127.0.0.1:5000/fhir/R4/$export?_type=Task",
    }
    values.update(overrides)
    export = FhirExport(**values)
    db.session.add(export)
    db.session.flush()
    return export


# --- referrals -----------------------------------------------------------------------


def referral(**overrides: Any) -> Referral:
    """The primary referral (rank 0) of an intake the routing service routed.

    Overrides go to `submitted_intake`; `answers={"safety.now": 1}` routes to
    general intake as routine. `worse_since`: when a re-screen while waiting showed the
    client worse (as the routing worker records it).
    """
    worse_since = overrides.pop("worse_since", None)
    submission = routed_intake(**overrides)
    made = db.session.scalars(
        select(Referral).where(Referral.submission_id == submission.id, Referral.rank == 0)
    ).one()
    if worse_since is not None:
        made.worse_since = worse_since
        db.session.flush()
    return made


def referral_event(**overrides: Any) -> ReferralEvent:
    """The event of one step staff took on a new referral (default: start reviewing it).

    Overrides: `referral`, `actor`, and the `referral_actions.Step` fields (`action`, ...).
    """
    target: Referral = overrides.pop("referral", None) or referral()
    actor: StaffUser = overrides.pop("actor", None) or coordinator()
    step = referral_actions.Step(**{"action": "start_review", **overrides})
    referral_actions.apply(target, step, actor=actor, expected_version=target.version)
    db.session.flush()
    return db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == target.id)
        .order_by(ReferralEvent.id.desc())
        .limit(1)
    ).one()


def referral_note(**overrides: Any) -> ReferralNote:
    """A staff note on a referral, added as staff add one (with its event and audit)."""
    target: Referral = overrides.pop("referral", None) or referral()
    actor: StaffUser = overrides.pop("actor", None) or coordinator()
    text: str = overrides.pop("text", "Prefers a call after 5pm.")
    referral_actions.add_note(target, text, actor=actor, **overrides)
    db.session.flush()
    return db.session.scalars(
        select(ReferralNote)
        .where(ReferralNote.referral_id == target.id, ReferralNote.author_id == actor.id)
        .order_by(ReferralNote.created_at.desc())
        .limit(1)
    ).one()


def submission_flag(**overrides: Any) -> SubmissionFlag:
    """A flag row routing wrote with a decision (default answers: `partner_safety`).

    Overrides go to `submitted_intake`; the first flag (by name) is returned.
    """
    values: dict[str, Any] = {"answers": PARTNER_RISK}
    values.update(overrides)
    submission = routed_intake(**values)
    return db.session.scalars(
        select(SubmissionFlag)
        .where(SubmissionFlag.submission_id == submission.id)
        .order_by(SubmissionFlag.flag)
        .limit(1)
    ).one()


# --- notifications -------------------------------------------------------------------


def staff_alert(**overrides: Any) -> StaffAlert:
    """The staff alert a referral's follow-up task wrote (default: a new routine referral)."""
    target: Referral = overrides.pop("referral", None) or referral(**overrides)
    follow_up_referral(str(target.id))
    db.session.flush()
    return db.session.scalars(select(StaffAlert).where(StaffAlert.referral_id == target.id)).one()


def on_call_alert(**overrides: Any) -> OnCallAlert:
    """The on-call page of a draft in which an acute answer was saved (see `paged_draft`)."""
    _, page = paged_draft(**overrides)
    return page


def notification_message(**overrides: Any) -> NotificationMessage:
    """The confirmation message queued for a client who marked email safe.

    Overrides go to `submitted_intake` (default contact: `safe_email_contact()`).
    """
    values: dict[str, Any] = {"contact": safe_email_contact()}
    values.update(overrides)
    submission = submitted_intake(**values)
    queue_submission_confirmation(submission)
    db.session.flush()
    return db.session.scalars(
        select(NotificationMessage).where(
            NotificationMessage.event == f"confirmation:{submission.id}"
        )
    ).one()


# --- audit and outbox ----------------------------------------------------------------


def audit_event(**overrides: Any) -> AuditEvent:
    """An audit event recorded as the app records one (system actor unless overridden)."""
    values: dict[str, Any] = {
        "action": "test.recorded",
        "target_type": "submission",
        "target_id": uuid.uuid4(),
        "actor_kind": "system",
    }
    values.update(overrides)
    action = values.pop("action")
    return db.session.get_one(AuditEvent, audit.record(action, **values))


def audit_chain_head(**overrides: Any) -> AuditChainHead:
    """The audit chain's one head row (made by the migrations), advanced by sealing a new
    event (and any other unsealed one) in this transaction.

    Overrides go to `audit_event`.
    """
    audit_event(**overrides)
    audit_seal.seal_batch()
    head = db.session.get(AuditChainHead, 1)
    assert head is not None, "the migrations make the chain head"
    db.session.refresh(head)
    return head


def outbox_message(**overrides: Any) -> OutboxMessage:
    """A pending outbox row (default: route a new random submission id)."""
    values: dict[str, Any] = {"kind": TaskNames.ROUTE_SUBMISSION, "target_id": uuid.uuid4()}
    values.update(overrides)
    return db.session.get_one(
        OutboxMessage, outbox.enqueue(values.pop("kind"), values.pop("target_id"), **values)
    )


def service_heartbeat(**overrides: Any) -> ServiceHeartbeat:
    """A worker's heartbeat (default: a new worker host name), as the worker writes it."""
    return write_worker_heartbeat(overrides.pop("hostname", f"w-{uuid.uuid4().hex[:8]}@test"))


def api_idempotency_key(**overrides: Any) -> ApiIdempotencyKey:
    """A claimed Idempotency-Key of a token (default: a new coordinator's), with its response."""
    token: ApiToken = overrides.pop("token", None) or api_token()
    claim = idempotency.begin(token.id, overrides.pop("key", uuid.uuid4().hex), {"path": "x"})
    assert isinstance(claim, idempotency.Claimed)
    idempotency.record(claim, 201, {"id": str(uuid.uuid4())})
    db.session.flush()
    row = db.session.get(ApiIdempotencyKey, claim.row_id)
    assert row is not None
    return row


# --- clients and re-screens ----------------------------------------------------------


def client(**overrides: Any) -> Client:
    """The client record of a routed intake (overrides go to `routed_intake`)."""
    submission = routed_intake(**overrides)
    assert submission.client is not None
    return submission.client


def rescreen_invitation(**overrides: Any) -> tuple[RescreenInvitation, str]:
    """A re-screen invitation of a routed intake, and its link's token (as the sweep
    writes it at `now`, default 15 days after the intake). Overrides go to
    `routed_intake`; the contact defaults to a safe email."""
    from datetime import timedelta

    from clinic.models.columns import utcnow
    from clinic.rescreen import invitations

    now = overrides.pop("now", None) or utcnow() + timedelta(days=15)
    overrides.setdefault("contact", safe_email_contact())
    submission = routed_intake(**overrides)
    assert submission.client_id is not None
    token = invitations.invite_if_due(submission.client_id, now)
    assert token is not None, "the client should be due and have a safe channel"
    db.session.flush()
    invitation = db.session.scalars(
        select(RescreenInvitation).where(RescreenInvitation.client_id == submission.client_id)
    ).one()
    return invitation, token


def invitation_only(**overrides: Any) -> RescreenInvitation:
    return rescreen_invitation(**overrides)[0]


def rescreen(**overrides: Any) -> Rescreen:
    """An opened re-screen (its link used), with `answers` saved; not sent."""
    from clinic.rescreen import answers as rescreen_answers

    given: dict[str, int | None] = overrides.pop("rescreen_answers", {"phq9.1": 0})
    _, token = rescreen_invitation(**overrides)
    with current_app.test_request_context():
        opened = rescreen_answers.open_link(token)
        assert opened is not None
        rescreen_answers.save_answers(opened, given)
    db.session.flush()
    return opened


FACTORIES: dict[type[Any], tuple[Callable[..., Any], ...]] = {
    ApiIdempotencyKey: (api_idempotency_key,),
    ApiToken: (api_token,),
    AuditChainHead: (audit_chain_head,),
    AuditEvent: (audit_event,),
    Client: (client,),
    FhirExport: (fhir_export,),
    IntakeReferenceCounter: (reference_counter,),
    IntakeSubmission: (submitted_intake, draft, routed_intake),
    NotificationMessage: (notification_message,),
    OnCallAlert: (on_call_alert,),
    OutboxMessage: (outbox_message,),
    Referral: (referral,),
    ReferralEvent: (referral_event,),
    ReferralNote: (referral_note,),
    Rescreen: (rescreen,),
    RescreenInvitation: (invitation_only,),
    ServiceHeartbeat: (service_heartbeat,),
    StaffAlert: (staff_alert,),
    StaffQueue: (staff_queue,),
    StaffRecoveryCode: (recovery_code,),
    StaffUser: (staff_user, coordinator, clinician, admin),
    SubmissionFlag: (submission_flag,),
}
"""Every model and the factories that make it (checked by tests/test_factories.py)."""
