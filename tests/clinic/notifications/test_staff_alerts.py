"""Who hears about a new referral, when, and how urgent pages repeat until acknowledged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, OnCallAlert, StaffAlert
from clinic.models.columns import utcnow
from clinic.notifications import queue_staff_alerts
from clinic.notifications.digests import send_due_digests
from clinic.notifications.on_call import repeat_pages
from clinic.notifications.staff_alerts import acknowledge
from clinic.settings.notification_settings import QueueNotifications
from tests.clinic.notifications.conftest import (
    contact,
    on_call,
    referral_for,
    staff,
    submission_with,
    use_notification_settings,
)

pytestmark = pytest.mark.usefixtures("app_context")


def _sent_to(template: str | None = None) -> list[tuple[str, str, str]]:
    query = select(NotificationMessage).order_by(
        NotificationMessage.event, NotificationMessage.recipient, NotificationMessage.channel
    )
    return [
        (m.recipient, m.channel, m.payload["to"])
        for m in db.session.scalars(query)
        if template is None or m.template == template
    ]


def _staff_people() -> dict[str, str]:
    people = {
        "coordinator": staff("coordinator@example.org"),
        "dbt": staff("dbt@example.org", role="clinician", queues=["dbt"]),
        "family": staff("family@example.org", role="clinician", queues=["family"]),
        "disabled": staff("gone@example.org"),
        "admin": staff("admin@example.org", role="admin"),
    }
    people["disabled"].is_enabled = False
    db.session.flush()
    return {name: f"staff:{user.id}" for name, user in people.items()}


def test_a_priority_referral_tells_the_staff_of_its_queue_at_once(app: Flask) -> None:
    keys = _staff_people()
    referral = referral_for(submission_with(contact()), queue="dbt", priority="priority")

    queue_staff_alerts([referral])
    db.session.commit()

    assert _sent_to() == sorted(
        [
            (keys["coordinator"], "email", "coordinator@example.org"),
            (keys["dbt"], "email", "dbt@example.org"),
        ]
    )
    alert = db.session.scalars(select(StaffAlert)).one()
    message = db.session.scalars(select(NotificationMessage)).first()
    assert message is not None
    assert message.payload["values"] == {
        "link": f"http://127.0.0.1:5000/staff/alerts/{alert.id}",
        "urgent": False,
    }
    assert (alert.delivery, alert.referral_id) == ("immediate", referral.id)


def test_a_queue_with_a_shared_address_gets_it_instead_of_each_person(app: Flask) -> None:
    _staff_people()
    use_notification_settings(
        app, queues={"family": QueueNotifications(address="family-team@example.org")}
    )
    referral = referral_for(submission_with(contact()), queue="family", priority="routine")

    queue_staff_alerts([referral])

    assert _sent_to() == [("queue:family", "email", "family-team@example.org")]


def test_running_twice_sends_nothing_more(app: Flask) -> None:
    staff("coordinator@example.org")
    referral = referral_for(submission_with(contact()), priority="urgent")

    queue_staff_alerts([referral])
    queue_staff_alerts([referral])

    assert len(db.session.scalars(select(StaffAlert)).all()) == 1
    assert len(db.session.scalars(select(OnCallAlert)).all()) == 1
    assert len(_sent_to("staff_alert")) == 1
    assert len(_sent_to("staff_page")) == 1


def test_an_urgent_intake_pages_every_on_call_channel_once_for_all_its_referrals(
    app: Flask,
) -> None:
    staff("coordinator@example.org")
    use_notification_settings(
        app,
        on_call=(
            on_call("Dr A", email="a@example.org", sms="+15550001"),
            on_call("Dr B", email=None, sms="+15550002"),
        ),
    )
    submission = submission_with(contact())
    first = referral_for(submission, queue="dbt", priority="urgent")
    second = referral_for(submission, queue="family", priority="urgent")

    queue_staff_alerts([first])
    queue_staff_alerts([second])  # each referral's follow-up runs on its own

    assert _sent_to("staff_page") == [
        ("oncall:Dr A", "email", "a@example.org"),
        ("oncall:Dr A", "sms", "+15550001"),
        ("oncall:Dr B", "sms", "+15550002"),
    ]
    page = db.session.scalars(select(OnCallAlert)).one()
    assert page.pages_sent == 1
    assert page.next_page_at is not None


def test_without_on_call_contacts_the_coordinators_are_paged(app: Flask) -> None:
    keys = _staff_people()
    referral = referral_for(submission_with(contact()), queue="dbt", priority="urgent")

    queue_staff_alerts([referral])

    assert _sent_to("staff_page") == [(keys["coordinator"], "email", "coordinator@example.org")]


def test_pages_repeat_when_due_until_acknowledged_and_acknowledging_is_audited(
    app: Flask,
) -> None:
    coordinator = staff("coordinator@example.org")
    use_notification_settings(app, on_call=(on_call(),), urgent_repeat_minutes=5)
    referral = referral_for(submission_with(contact()), priority="urgent")
    queue_staff_alerts([referral])
    db.session.commit()

    assert repeat_pages() == 0  # not due yet
    page = db.session.scalars(select(OnCallAlert)).one()
    page.next_page_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert repeat_pages() == 1
    events = sorted(m.event for m in db.session.scalars(select(NotificationMessage)))
    assert f"page:{page.id}:2" in events
    db.session.refresh(page)
    assert page.pages_sent == 2
    assert page.next_page_at is not None
    assert page.next_page_at > utcnow() + timedelta(minutes=4)

    alert = db.session.scalars(select(StaffAlert)).one()
    assert acknowledge(alert, coordinator) is True
    db.session.commit()
    assert acknowledge(alert, coordinator) is False

    db.session.refresh(page)
    assert (page.acknowledged_by_id, page.next_page_at) == (coordinator.id, None)
    assert repeat_pages() == 0
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert.acknowledged")
    ).one()
    assert (audit.actor_id, audit.target_id) == (coordinator.id, str(referral.id))


def test_routine_referrals_wait_for_their_queues_digest(app: Flask) -> None:
    keys = _staff_people()
    use_notification_settings(app, queues={"family": QueueNotifications(digest_minutes=30)})
    referrals = [
        referral_for(submission_with(contact()), queue="family", priority="routine")
        for _ in range(3)
    ]
    queue_staff_alerts(referrals)
    db.session.commit()
    assert _sent_to() == []

    assert send_due_digests() == 0  # the oldest has not waited 30 minutes yet
    for alert in db.session.scalars(select(StaffAlert)):
        alert.created_at = utcnow() - timedelta(minutes=31)
    db.session.commit()

    assert send_due_digests() == 1
    assert send_due_digests() == 0  # once
    assert _sent_to("staff_digest") == sorted(
        [
            (keys["coordinator"], "email", "coordinator@example.org"),
            (keys["family"], "email", "family@example.org"),
        ]
    )
    digest = db.session.scalars(select(NotificationMessage)).first()
    assert digest is not None
    assert digest.payload["values"] == {"count": 3, "link": "http://127.0.0.1:5000/staff"}


def test_priority_referrals_skip_the_digest(app: Flask) -> None:
    staff("coordinator@example.org")
    use_notification_settings(app, queues={"family": QueueNotifications(digest_minutes=30)})
    referral = referral_for(submission_with(contact()), queue="family", priority="priority")

    queue_staff_alerts([referral])

    assert len(_sent_to("staff_alert")) == 1
