"""The admins' operations page: what it lists, its actions, audit, and who may open it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, OutboxMessage
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications import queue_submission_confirmation
from clinic.operations import heartbeats
from tests import factories
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    contact,
    referral_for,
    sign_in_as,
    staff,
)
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

PAGE = "/staff/admin/operations"


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action)))


def _admin(client: FlaskClient) -> None:
    sign_in_as(client, staff("admin@example.org", role="admin"))


def _unknown_delivery() -> NotificationMessage:
    queue_submission_confirmation(factories.submitted_intake(contact=contact(email=True)))
    message = db.session.scalars(select(NotificationMessage)).one()
    message.status, message.claimed_at, message.attempts = "unknown", utcnow(), 1
    db.session.commit()
    return message


def test_the_page_lists_what_is_stuck_or_unknown_and_the_heartbeats(
    app: Flask, client: FlaskClient
) -> None:
    late = factories.submitted_intake()
    late.submitted_at = utcnow() - timedelta(seconds=app.config["UNROUTED_AFTER_SECONDS"] + 60)
    fresh = factories.submitted_intake()
    unreadable = factories.submitted_intake()
    unreadable.status, unreadable.routing_error = "needs_review", "UnreadableDocument: answers"
    referral_for(unreadable, queue="intake")
    failed = factories.outbox_message(kind=TaskNames.SWEEP_DRAFTS)
    failed.status, failed.last_error = "failed", "gave up"
    stuck = factories.outbox_message()
    stuck.created_at = utcnow() - timedelta(seconds=app.config["OUTBOX_STALE_SECONDS"] + 60)
    message = _unknown_delivery()
    with unit_of_work():
        heartbeats.hold_beat_lease("beat-host:1:a", 30)
        heartbeats.write_worker_heartbeat("w1@host")
    _admin(client)

    page = client.get(PAGE).get_data(as_text=True)

    assert str(late.id) in page and str(fresh.id) not in page
    assert str(unreadable.id) in page and "UnreadableDocument: answers" in page
    assert str(failed.target_id) in page and str(stuck.target_id) in page
    assert page.count("Publish again") == 2
    assert "Confirmation to the client" in page and "Send again" in page
    assert CANARY_EMAIL not in page and str(message.id) in page  # ids, never an address
    assert "beat-host:1:a" in page and "worker:w1@host" in page
    viewed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "operations.viewed")
    ).one()
    assert viewed.detail["unrouted"] == 1 and viewed.detail["needs_review"] == 1
    assert viewed.detail["failed_outbox"] == 1 and viewed.detail["unknown_deliveries"] == 1


def test_publish_again_requeues_the_row_and_is_audited(app: Flask, client: FlaskClient) -> None:
    row = factories.outbox_message(kind=TaskNames.SWEEP_DRAFTS)
    row.status, row.attempts, row.last_error = "failed", 20, "gave up"
    db.session.commit()
    _admin(client)
    token = csrf_token(client, PAGE)

    response = client.post(f"{PAGE}/outbox/{row.id}/republish", data={"csrf_token": token})

    assert response.status_code == 302
    db.session.refresh(row)
    assert row.status in ("pending", "published")  # published at once when the broker answers
    assert row.attempts <= 1  # a fresh count: one publication at most since
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "outbox.republished")
    ).one()
    assert event.target_id == str(row.id) and event.detail == {
        "kind": TaskNames.SWEEP_DRAFTS,
        "was": "failed",
    }


def test_a_done_row_is_not_published_again(app: Flask, client: FlaskClient) -> None:
    row = factories.outbox_message()
    row.status = "done"
    db.session.commit()
    _admin(client)
    token = csrf_token(client, PAGE)
    client.post(f"{PAGE}/outbox/{row.id}/republish", data={"csrf_token": token})
    db.session.refresh(row)
    assert row.status == "done"
    assert "outbox.republished" not in _actions()


def test_send_again_resends_a_message_of_unknown_delivery_and_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    message = _unknown_delivery()
    _admin(client)
    token = csrf_token(client, PAGE)

    response = client.post(f"{PAGE}/messages/{message.id}/resend", data={"csrf_token": token})

    assert response.status_code == 302
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("pending", 0)
    assert "message.resent" in _actions()
    queued = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == TaskNames.SEND_NOTIFICATION,
            OutboxMessage.target_id == str(message.id),
        )
    ).all()
    assert len(queued) == 2  # the first send's row and the resend's


@pytest.mark.parametrize("role", ["intake_coordinator", "clinician"])
def test_only_admins_may_open_it_or_act(app: Flask, client: FlaskClient, role: str) -> None:
    sign_in_as(client, staff("someone@example.org", role=role, queues=["dbt"]))
    token = csrf_token(client, "/staff/account")
    assert client.get(PAGE).status_code == 403
    for action in (f"outbox/{uuid.uuid4()}/republish", f"messages/{uuid.uuid4()}/resend"):
        assert client.post(f"{PAGE}/{action}", data={"csrf_token": token}).status_code == 403
    assert "operations.viewed" not in _actions()


def test_admins_see_it_in_the_navigation(app: Flask, client: FlaskClient) -> None:
    _admin(client)
    assert f'href="{PAGE}"' in client.get("/staff/account").get_data(as_text=True)
