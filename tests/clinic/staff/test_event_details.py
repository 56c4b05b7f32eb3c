"""The details a lifecycle step records: ids and codes only, the same in the referral
event and its audit event."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, Referral, ReferralEvent, ReferralNote
from clinic.staff.reasons import reason_label
from clinic.staff.referral_actions import Step, add_note, apply
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")


def _last_event(referral: Referral) -> ReferralEvent:
    return db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id.desc())
    ).first()


def _audit_detail(action: str) -> dict[str, object]:
    return db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)).one()


def test_accepting_with_a_note_records_the_clinician_and_the_note(app: Flask) -> None:
    actor = support.staff("intake_coordinator")
    clinician = support.staff("clinician", queues=("emdr",))
    ref = support.referral("emdr", status="in_review")
    step = Step("accept", assignee_id=clinician.id, note="Call after five")

    apply(ref, step, actor=actor, expected_version=ref.version)
    db.session.commit()

    note = db.session.scalars(select(ReferralNote)).one()
    expected = {"action": "accept", "assignee_id": str(clinician.id), "note_id": str(note.id)}
    assert _last_event(ref).detail == expected
    audit_detail = {"from": "in_review", "to": "accepted", "queue": "emdr", **expected}
    assert _audit_detail("referral.accept") == audit_detail


def test_a_contact_attempt_records_its_channel_and_outcome(app: Flask) -> None:
    actor = support.staff("intake_coordinator")
    ref = support.referral("emdr", status="accepted")
    step = Step("contact_attempt", channel="phone", outcome="no_answer")

    apply(ref, step, actor=actor, expected_version=ref.version)
    db.session.commit()

    expected = {"action": "contact_attempt", "channel": "phone", "outcome": "no_answer"}
    assert _last_event(ref).detail == expected


def test_a_reroute_records_both_referrals_and_explains_the_new_one(app: Flask) -> None:
    actor = support.staff("intake_coordinator")
    ref = support.referral("emdr", status="in_review")
    step = Step("reroute", reason="better_fit", target_queue="family")

    new = apply(ref, step, actor=actor, expected_version=ref.version)
    db.session.commit()

    assert _last_event(ref).detail == {
        "action": "reroute",
        "reason": "better_fit",
        "target_queue": "family",
        "new_referral_id": str(new.id),
    }
    assert _last_event(new).detail == {"rerouted_from": str(ref.id), "reason": "better_fit"}
    assert new.explanation == {
        "rule_ids": ["staff.reroute"],
        "facts": {},
        "sentence": f"Family therapy: rerouted by staff from EMDR ({reason_label('better_fit')})",
    }


def test_a_note_records_only_its_id(app: Flask) -> None:
    actor = support.staff("intake_coordinator")
    ref = support.referral("emdr", status="in_review")

    add_note(ref, "Prefers mornings", actor=actor)
    db.session.commit()

    note = db.session.scalars(select(ReferralNote)).one()
    assert _last_event(ref).detail == {"note_id": str(note.id)}
    assert _audit_detail("referral.note_added") == {"note_id": str(note.id)}
