"""The alert page, acknowledging, and the failed-messages page with its retry button."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, OnCallAlert, StaffAlert
from clinic.notifications import queue_staff_alerts, queue_submission_confirmation
from clinic.notifications.sending import send_message
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    CANARY_NAME,
    contact,
    referral_for,
    sign_in_as,
    staff,
    submission_with,
)
from tests.support.html import csrf_token
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("app_context")


def _urgent_alert(queue: str = "dbt") -> StaffAlert:
    submission = submission_with(contact())
    queue_staff_alerts([referral_for(submission, queue=queue, priority="urgent")])
    queue_submission_confirmation(submission)
    db.session.commit()
    return db.session.scalars(select(StaffAlert)).one()


def test_alert_pages_need_sign_in(app: Flask, client: FlaskClient) -> None:
    alert = _urgent_alert()
    response = client.get(f"/staff/alerts/{alert.id}")
    assert response.status_code == 302
    assert response.location.startswith("/staff/login")


def test_acknowledging_stops_the_pages_and_is_audited(app: Flask, client: FlaskClient) -> None:
    clinician = staff("dbt@example.org", role="clinician", queues=["dbt"])
    alert = _urgent_alert()
    sign_in_as(client, clinician)

    page = client.get(f"/staff/alerts/{alert.id}").get_data(as_text=True)
    assert "Not acknowledged yet: 1 page(s) sent" in page
    assert CANARY_NAME not in page and CANARY_EMAIL not in page

    url = f"/staff/alerts/{alert.id}/acknowledge"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, f"/staff/alerts/{alert.id}")}
    )

    assert response.status_code == 302
    on_call = db.session.scalars(select(OnCallAlert)).one()
    assert on_call.acknowledged_by_id == clinician.id
    assert on_call.next_page_at is None
    page = client.get(f"/staff/alerts/{alert.id}").get_data(as_text=True)
    assert "Acknowledged by dbt" in page
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "alert.acknowledged" in actions
    assert "alert.viewed" in actions


def test_a_clinician_of_another_queue_gets_404(app: Flask, client: FlaskClient) -> None:
    sign_in_as(client, staff("family@example.org", role="clinician", queues=["family"]))
    alert = _urgent_alert(queue="dbt")

    assert client.get(f"/staff/alerts/{alert.id}").status_code == 404
    token = csrf_token(client, "/staff/account")
    response = client.post(f"/staff/alerts/{alert.id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalars(select(OnCallAlert.acknowledged_at)).one() is None


def test_an_admin_without_a_clinical_role_cannot_open_alerts(
    app: Flask, client: FlaskClient
) -> None:
    sign_in_as(client, staff("admin@example.org", role="admin"))
    alert = _urgent_alert()
    assert client.get(f"/staff/alerts/{alert.id}").status_code == 403


def test_a_failed_message_shows_on_the_alert_and_an_admin_can_retry_it(
    mail_app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    coordinator = staff("coordinator@example.org")
    admin = staff("admin@example.org", role="admin")
    smtp_server.refuse_with = "550"
    alert = _urgent_alert()
    for message in db.session.scalars(select(NotificationMessage)).all():
        send_message(str(message.id))
    failed = db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.status == "failed")
    ).all()
    assert len(failed) == 3  # staff alert, on-call page, client confirmation

    sign_in_as(client, coordinator)
    page = client.get(f"/staff/alerts/{alert.id}").get_data(as_text=True)
    assert page.count("SMTP 550") == 3
    assert "Confirmation to the client" in page
    assert client.get("/staff/messages/failed").status_code == 403

    sign_in_as(client, admin)
    listing = client.get("/staff/messages/failed").get_data(as_text=True)
    assert listing.count("Retry") == 3
    assert CANARY_EMAIL not in listing and "coordinator@example.org" not in listing

    smtp_server.refuse_with = None
    token = csrf_token(client, "/staff/messages/failed")
    response = client.post(f"/staff/messages/{failed[0].id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(failed[0])
    assert (failed[0].status, failed[0].attempts) == ("pending", 0)
    assert send_message(str(failed[0].id)).status == "sent"
    assert len(smtp_server.received()) == 1
    retried = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "message.retried")
    ).one()
    assert retried.actor_id == admin.id


@pytest.mark.parametrize("role", ["intake_coordinator", "clinician"])
def test_only_admins_list_and_retry_failed_messages(
    app: Flask, client: FlaskClient, role: str
) -> None:
    sign_in_as(client, staff("someone@example.org", role=role, queues=["dbt"]))
    token = csrf_token(client, "/staff/account")
    assert client.get("/staff/messages/failed").status_code == 403
    response = client.post(f"/staff/messages/{uuid.uuid4()}/retry", data={"csrf_token": token})
    assert response.status_code == 403
