"""Every model has a factory, and every factory makes a stored, valid row through the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, select

from clinic.extensions import db
from clinic.models import (
    ApiToken,
    AuditEvent,
    IntakeReferenceCounter,
    IntakeSubmission,
    NotificationMessage,
    OnCallAlert,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralNote,
    StaffAlert,
    StaffUser,
    SubmissionFlag,
)
from clinic.models.columns import key_ring
from clinic.security import audit, audit_seal
from tests import factories

CASES = [
    pytest.param(model, factory, id=f"{model.__name__}-{factory.__name__}")
    for model, made_by in factories.FACTORIES.items()
    for factory in made_by
]


def test_every_model_has_a_factory() -> None:
    models = {mapper.class_ for mapper in db.Model.registry.mappers}
    missing = sorted(model.__name__ for model in models if not factories.FACTORIES.get(model))
    assert missing == [], f"add a factory to tests/factories.py FACTORIES for {missing}"


@pytest.mark.parametrize(("model", "factory"), CASES)
@pytest.mark.usefixtures("app_context")
def test_each_factory_stores_its_model(
    app: Flask, model: type[Any], factory: Callable[[], Any]
) -> None:
    made = factory()

    assert isinstance(made, model)
    key = inspect(made).identity
    assert key is not None and inspect(made).persistent
    db.session.expunge_all()
    assert db.session.get(model, key) is not None


@pytest.mark.usefixtures("app_context")
def test_the_audit_chain_stays_whole_after_every_factory(app: Flask) -> None:
    for _, factory in (case.values for case in CASES):
        factory()
    assert audit.verify_chain().ok


@pytest.mark.usefixtures("app_context")
def test_intake_factories_leave_each_stage_of_an_intake(app: Flask) -> None:
    assert factories.draft().status == "draft"
    assert factories.submitted_intake().status == "submitted"
    routed = factories.routed_intake()
    assert routed.status == "routed" and routed.decision is not None


@pytest.mark.usefixtures("app_context")
def test_submits_number_intakes_one_by_one_within_the_year(app: Flask) -> None:
    first = factories.submitted_intake()
    second = factories.submitted_intake()
    assert first.reference is not None and second.reference is not None
    prefix, year, number = first.reference.split("-")
    assert second.reference == f"{prefix}-{year}-{int(number) + 1:04d}"
    assert isinstance(factories.reference_counter(), IntakeReferenceCounter)
    assert first.submitted_via == "direct" and not first.left_at_crisis_page
    assert factories.draft().reference is None


@pytest.mark.usefixtures("app_context")
def test_staff_factories_make_each_role_with_its_access(app: Flask) -> None:
    coordinator, clinician, admin = (
        factories.coordinator(),
        factories.clinician(queues=("emdr",)),
        factories.admin(),
    )
    assert (coordinator.role, coordinator.is_admin) == ("intake_coordinator", False)
    assert (clinician.role, clinician.queues) == ("clinician", ["emdr"])
    assert (admin.role, admin.is_admin) == ("admin", True)
    assert len({coordinator.email, clinician.email, admin.email}) == 3
    assert factories.staff_queue(queue="family").queue == "family"
    code = factories.recovery_code()
    assert code.used_at is None and code.staff_user.has_mfa


@pytest.mark.usefixtures("app_context")
def test_api_token_is_scoped_to_its_owner_and_stored_as_a_hash(app: Flask) -> None:
    owner = factories.clinician()
    token = factories.api_token(user=owner, name="reports")
    assert isinstance(token, ApiToken)
    assert (token.staff_user_id, token.role, token.name) == (owner.id, "clinician", "reports")
    assert len(token.token_hash) == 64 and token.revoked_at is None


@pytest.mark.usefixtures("app_context")
def test_referral_factories_go_through_routing_and_the_staff_operations(app: Flask) -> None:
    referral = factories.referral()
    assert isinstance(referral, Referral)
    assert (referral.queue, referral.priority, referral.status) == ("intake", "routine", "new")
    assert referral.explanation["rule_ids"] == ["fallback-intake"]

    actor = factories.coordinator()
    event = factories.referral_event(referral=referral, actor=actor)
    assert isinstance(event, ReferralEvent)
    assert (event.kind, event.from_status, event.to_status) == ("transition", "new", "in_review")
    assert event.actor_id == actor.id
    note = factories.referral_note(referral=referral, actor=actor, text="Call after five.")
    assert isinstance(note, ReferralNote) and note.text == "Call after five."
    kinds = db.session.scalars(
        select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral.id)
    ).all()
    assert sorted(kinds) == ["created", "note", "transition"]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(referral.id))
    ).all()
    assert set(actions) == {"referral.start_review", "referral.note_added"}


@pytest.mark.usefixtures("app_context")
def test_flag_factory_stores_the_decision_flag(app: Flask) -> None:
    flag = factories.submission_flag()
    assert isinstance(flag, SubmissionFlag) and flag.flag == "partner_safety"
    submission = db.session.get(IntakeSubmission, flag.submission_id)
    assert submission is not None and submission.decision["flags"] == ["partner_safety"]


@pytest.mark.usefixtures("app_context")
def test_notification_factories_use_the_notification_services(app: Flask) -> None:
    staff = factories.coordinator()
    alert = factories.staff_alert()
    assert isinstance(alert, StaffAlert)
    assert (alert.queue, alert.priority) == ("intake", "routine")
    told = db.session.scalars(
        select(NotificationMessage.recipient).where(
            NotificationMessage.event == f"alert:{alert.id}"
        )
    ).all()
    assert alert.delivery == "immediate" and told == [f"staff:{staff.id}"]

    message = factories.notification_message()
    assert (message.template, message.channel, message.status) == (
        "client_confirmation",
        "email",
        "pending",
    )
    assert message.payload["to"] == "client@example.org"

    page = factories.on_call_alert()
    assert isinstance(page, OnCallAlert) and page.staff_alert_id is None


@pytest.mark.usefixtures("app_context")
def test_audit_and_outbox_factories_write_what_the_services_write(app: Flask) -> None:
    actor = factories.admin()
    event = factories.audit_event(action="staff.viewed", actor=actor, actor_kind=None)
    assert isinstance(event, AuditEvent)
    assert (event.action, event.actor_kind, event.actor_id) == ("staff.viewed", "staff", actor.id)
    head = factories.audit_chain_head()
    db.session.refresh(event)
    assert event.seal_seq is not None and event.prev_hash is not None and event.key_id is not None
    key = audit_seal.derived_key(key_ring(), event.key_id)
    assert key is not None
    mac = audit_seal.mac_of(
        event, key, seq=event.seal_seq, prev_hash=event.prev_hash, key_id=event.key_id
    )
    assert event.hash == mac
    assert head.hash != event.hash

    message = factories.outbox_message(queue="dbt")
    assert isinstance(message, OutboxMessage)
    assert (message.status, message.queue, message.attempts) == ("pending", "dbt", 0)


@pytest.mark.usefixtures("app_context")
def test_staff_user_factory_keeps_its_fixed_address(app: Flask) -> None:
    user = factories.staff_user()
    assert isinstance(user, StaffUser) and user.email == "coordinator@example.org"
