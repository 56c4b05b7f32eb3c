"""Working referrals through the console: every step, refusals, notes, concurrent edits."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, Referral, ReferralEvent, ReferralNote
from clinic.staff.referral_actions import ActionRefused, Conflict, Step, apply
from referrals import TRANSITIONS, Action, State
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")


def _post(client: FlaskClient, referral: Referral, **data: str) -> str:
    token = csrf_token(client, f"/staff/referrals/{referral.id}")
    db.session.refresh(referral)  # its version as the last request left it
    data = {"csrf_token": token, "version": str(referral.version), **data}
    response = client.post(f"/staff/referrals/{referral.id}/actions", data=data)
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


def test_coordinator_and_clinician_work_a_referral_from_new_to_closed(
    app: Flask, client: FlaskClient
) -> None:
    coordinator = support.staff("intake_coordinator", name="Cora Coordinator")
    clinician = support.staff("clinician", queues=("emdr",), name="Cal Clinician")
    ref = support.referral("emdr", priority="urgent")
    support.sign_in(client, coordinator)
    _post(client, ref, action="start_review")
    page = _post(client, ref, action="accept", assignee=str(clinician.id))
    assert "Referral accepted and assigned." in page and "Cal Clinician" in page
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/account")})

    support.sign_in(client, clinician)
    _post(client, ref, action="contact_attempt", channel="phone", outcome="no_answer")
    _post(client, ref, action="mark_contacted")
    _post(client, ref, action="schedule")
    page = _post(client, ref, action="close", reason="treatment_started", note="Starts Monday")
    assert "Referral closed." in page and "Starts Monday" in page

    db.session.expire_all()
    assert db.session.get(Referral, ref.id).status == "closed"
    events = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.referral_id == ref.id).order_by(ReferralEvent.id)
    ).all()
    assert [(e.kind, e.to_status) for e in events] == [
        ("created", "new"),
        ("transition", "in_review"),
        ("transition", "accepted"),
        ("contact_attempt", "accepted"),
        ("transition", "contacted"),
        ("transition", "scheduled"),
        ("transition", "closed"),
    ]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(ref.id))
    ).all()
    for step in (
        "start_review",
        "accept",
        "contact_attempt",
        "mark_contacted",
        "schedule",
        "close",
    ):
        assert f"referral.{step}" in actions
    audit_details = db.session.scalars(select(AuditEvent.detail)).all()
    assert "Starts Monday" not in str(audit_details)
    note = db.session.scalars(select(ReferralNote)).one()
    assert "Starts Monday" not in (note.text_encrypted or "")


def _steps_for(action: Action, referral: Referral, clinician_id: object) -> Step:
    extras: dict[Action, dict[str, object]] = {
        Action.ACCEPT: {"assignee_id": clinician_id},
        Action.DECLINE: {"reason": "duplicate"},
        Action.REROUTE: {"reason": "better_fit", "target_queue": "family"},
        Action.LOG_CONTACT_ATTEMPT: {"channel": "email", "outcome": "reached"},
    }
    return Step(action=str(action), **extras.get(action, {}))  # type: ignore[arg-type]


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_step_from_every_state_is_taken_or_refused_as_the_lifecycle_says(
    app: Flask, state: State, action: Action
) -> None:
    actor = support.staff("intake_coordinator")
    clinician = support.staff("clinician", queues=("emdr",))
    ref = support.referral("emdr", status=str(state))
    step = _steps_for(action, ref, clinician.id)
    legal = state in TRANSITIONS[action].sources
    events_before = db.session.scalar(select(ReferralEvent.id).order_by(ReferralEvent.id.desc()))
    if legal:
        shown = apply(ref, step, actor=actor, expected_version=ref.version)
        db.session.commit()
        target = TRANSITIONS[action].target
        assert ref.status == str(target or state)
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == f"referral.{action}")
        ).one()
        if action == Action.REROUTE:
            assert shown.queue == "family" and shown.rerouted_from_id == ref.id
    else:
        with pytest.raises(ActionRefused, match="Cannot"):
            apply(ref, step, actor=actor, expected_version=ref.version)
        db.session.rollback()
        last = db.session.scalar(select(ReferralEvent.id).order_by(ReferralEvent.id.desc()))
        assert last == events_before


def test_accept_needs_a_clinician_of_the_queue(app: Flask) -> None:
    actor = support.staff("intake_coordinator")
    elsewhere = support.staff("clinician", queues=("family",))
    ref = support.referral("emdr", status="in_review")
    with pytest.raises(ActionRefused, match="works the EMDR queue"):
        apply(ref, Step("accept", assignee_id=elsewhere.id), actor=actor, expected_version=1)


def test_reroute_refuses_a_queue_the_intake_is_already_in(app: Flask) -> None:
    actor = support.staff("intake_coordinator")
    first = support.referral("emdr")
    support.referral("family", submission=first.submission)
    step = Step("reroute", reason="better_fit", target_queue="family")
    with pytest.raises(ActionRefused, match="already has a referral in the Family therapy"):
        apply(first, step, actor=actor, expected_version=first.version)


def test_a_stale_form_gets_changed_by_whom_and_saves_nothing(
    app: Flask, client: FlaskClient
) -> None:
    first = support.staff("intake_coordinator", name="Ana First")
    second = support.staff("intake_coordinator", name="Ben Second")
    ref = support.referral("intake")
    stale_version = ref.version
    support.sign_in(client, second)
    token = csrf_token(client, f"/staff/referrals/{ref.id}")

    apply(ref, Step("start_review"), actor=first, expected_version=stale_version)
    db.session.commit()

    response = client.post(
        f"/staff/referrals/{ref.id}/actions",
        data={
            "csrf_token": token,
            "version": str(stale_version),
            "action": "decline",
            "reason": "duplicate",
        },
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "This referral was changed by Ana First while you had it open" in page
    assert "reload the page" in page
    db.session.expire_all()
    assert db.session.get(Referral, ref.id).status == "in_review"


def test_a_concurrent_commit_between_read_and_write_is_caught_by_the_version(
    app: Flask,
) -> None:
    """The other writer commits after our check: the UPDATE matches no row."""
    actor = support.staff("intake_coordinator")
    ref = support.referral("intake")
    db.session.execute(
        update(Referral.__table__).where(Referral.__table__.c.id == ref.id).values(version=2)
    )
    with pytest.raises(Conflict, match="changed by"):
        apply(ref, Step("start_review"), actor=actor, expected_version=1)


def test_notes_are_events_and_audited_without_their_text(app: Flask, client: FlaskClient) -> None:
    user = support.staff("intake_coordinator")
    ref = support.referral("intake")
    support.sign_in(client, user)
    token = csrf_token(client, f"/staff/referrals/{ref.id}")
    client.post(
        f"/staff/referrals/{ref.id}/notes", data={"csrf_token": token, "text": "Call after 6pm"}
    )
    page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)
    assert "Call after 6pm" in page
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.note_added")
    ).one()
    assert "Call after" not in str(event.detail)


@pytest.mark.parametrize(("outcome", "messages"), [("no_answer", 1), ("reached", 0)])
def test_an_unanswered_contact_attempt_queues_a_we_tried_to_reach_you_message(
    app: Flask, client: FlaskClient, outcome: str, messages: int
) -> None:
    contact = {
        "language": "en",
        "email": "client@example.org",
        "channels": {"email": {"allowed": True, "mention_clinic": False}},
    }
    ref = support.referral(
        "emdr", status="accepted", submission=factories.submitted_intake(contact=contact)
    )
    support.sign_in(client, support.staff())

    _post(client, ref, action="contact_attempt", channel="email", outcome=outcome)

    rows = db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.template == "client_reach_out")
    ).all()
    assert len(rows) == messages
    assert all(row.channel == "email" for row in rows)


def test_a_version_of_superscript_digits_is_an_expired_form_not_a_server_error(
    client: FlaskClient,
) -> None:
    """ "¹" is a digit to str.isdigit but not to int(): the form is refused as incomplete."""
    ref = support.referral("emdr")
    support.sign_in(client, support.staff("intake_coordinator"))
    token = csrf_token(client, f"/staff/referrals/{ref.id}")
    data = {"csrf_token": token, "version": "\u00b9", "action": "start_review"}
    response = client.post(f"/staff/referrals/{ref.id}/actions", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "That form was incomplete or expired" in page
    db.session.expire_all()
    assert db.session.get(Referral, ref.id).status == "new"
