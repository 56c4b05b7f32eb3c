"""A refused staff page (403, 404) writes an audit event, at most one per account, route
and status a minute, so that a loop cannot flood the log."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")


def _refusals() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "staff.access_refused")
            .order_by(AuditEvent.id)
        )
    )


def test_a_forbidden_page_is_audited_once_a_minute_per_account(client: FlaskClient) -> None:
    clinician = support.staff("clinician", queues=("intake",))
    support.sign_in(client, clinician)
    for _ in range(5):
        assert client.get("/staff/admin/users").status_code == 403
    [event] = _refusals()
    assert event.actor_id == clinician.id and event.ip == "127.0.0.1"
    assert event.detail == {
        "status": 403,
        "route": "/staff/admin/users",
        "path": "/staff/admin/users",
        "method": "GET",
    }
    # Another account is counted on its own.
    other = support.staff("clinician", queues=("intake",))
    second = client.application.test_client()
    support.sign_in(second, other)
    assert second.get("/staff/admin/users").status_code == 403
    assert [e.actor_id for e in _refusals()] == [clinician.id, other.id]


def test_a_referral_outside_ones_queues_is_audited_as_not_found(client: FlaskClient) -> None:
    hidden = support.referral("dbt")
    clinician = support.staff("clinician", queues=("intake",))
    support.sign_in(client, clinician)
    for referral_id in (hidden.id, uuid.uuid4(), hidden.id):
        assert client.get(f"/staff/referrals/{referral_id}").status_code == 404
    [event] = _refusals()  # one route: once a minute, whichever referral
    assert event.detail["status"] == 404
    assert event.detail["route"] == "/staff/referrals/<uuid:referral_id>"
    assert event.detail["path"] == f"/staff/referrals/{hidden.id}"
    assert "referral.viewed" not in {e.action for e in db.session.scalars(select(AuditEvent))}
