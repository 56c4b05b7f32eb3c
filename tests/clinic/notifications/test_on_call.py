"""An on-call alert paged from a draft: its repeats, acknowledging it, its console page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import (
    AuditEvent,
    IntakeSubmission,
    NotificationMessage,
    OnCallAlert,
    StaffAlert,
)
from clinic.notifications import on_call as paging
from clinic.notifications import queue_staff_alerts
from tests import factories
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    CANARY_NAME,
    contact,
    on_call,
    referral_for,
    sign_in_as,
    staff,
    use_notification_settings,
)
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture(autouse=True)
def _on_call_contact(app: Flask) -> None:
    use_notification_settings(app, on_call=(on_call(),), urgent_repeat_minutes=5)


def _paged_draft() -> OnCallAlert:
    draft, page = factories.paged_draft()
    draft.contact = contact()  # canary details: never on the console page
    db.session.commit()
    return page


def _submission_of(page: OnCallAlert) -> IntakeSubmission:
    submission = db.session.get(IntakeSubmission, page.submission_id)
    assert submission is not None
    return submission


def _page_events() -> list[str]:
    return sorted(
        db.session.scalars(
            select(NotificationMessage.event).where(NotificationMessage.event.startswith("page:"))
        )
    )


def test_draft_stage_pages_repeat_until_acknowledged(app: Flask) -> None:
    coordinator = staff("coordinator@example.org")
    page = _paged_draft()
    first_due = page.next_page_at
    assert first_due is not None

    assert paging.repeat_pages(now=first_due - timedelta(seconds=1)) == 0  # not due yet
    assert paging.repeat_pages(now=first_due) == 1
    assert paging.repeat_pages(now=first_due) == 0  # the next one is 5 minutes later
    assert paging.repeat_pages(now=first_due + timedelta(minutes=5)) == 1
    assert _page_events() == [f"page:{page.id}:{n}" for n in (1, 2, 3)]
    templates = set(db.session.scalars(select(NotificationMessage.template)))
    assert templates == {"staff_draft_page"}

    assert paging.acknowledge(page, coordinator) is True
    db.session.commit()
    assert paging.acknowledge(page, coordinator) is False
    db.session.refresh(page)
    assert (page.acknowledged_by_id, page.next_page_at, page.pages_sent) == (
        coordinator.id,
        None,
        3,
    )
    assert paging.repeat_pages(now=first_due + timedelta(days=1)) == 0
    assert len(_page_events()) == 3
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert.acknowledged")
    ).one()
    assert (audit.actor_id, audit.target_type, audit.target_id) == (
        coordinator.id,
        "submission",
        str(page.submission_id),
    )


def test_the_draft_stage_page_shows_no_answers_and_acknowledging_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    clinician = staff("family@example.org", role="clinician", queues=["family"])
    page = _paged_draft()
    sign_in_as(client, clinician)  # any clinical role: the draft is in no queue yet

    url = f"/staff/on-call/{page.id}"
    html = client.get(url).get_data(as_text=True)
    assert "An intake needs urgent attention" in html
    assert "The client may still be filling in the form" in html
    assert "submitted for urgent routing when they leave the form, or after 15 minutes" in html
    assert "Not acknowledged yet: 1 page(s) sent" in html
    assert "On-call page (intake in progress)" in html
    for hidden in (CANARY_NAME, CANARY_EMAIL, "safety.now", "oncall@example.org"):
        assert hidden not in html
    assert "Open the referral" not in html

    response = client.post(f"{url}/acknowledge", data={"csrf_token": csrf_token(client, url)})
    assert (response.status_code, response.location) == (302, url)
    db.session.refresh(page)
    assert page.acknowledged_by_id == clinician.id and page.next_page_at is None
    assert "Acknowledged by family" in client.get(url).get_data(as_text=True)
    viewed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "on_call_alert.viewed")
    ).all()
    assert [(v.actor_id, v.target_id) for v in viewed] == [
        (clinician.id, str(page.submission_id))
    ] * 3  # three reads of the page: before, for the form's token, after
    assert viewed[0].detail == {"on_call_alert": str(page.id)}


def test_once_linked_the_page_links_the_referral_and_follows_its_queue(
    app: Flask, client: FlaskClient
) -> None:
    page = _paged_draft()
    draft = _submission_of(page)
    draft.status = "routed"
    referral = referral_for(draft, queue="dbt", priority="urgent")
    queue_staff_alerts([referral])
    db.session.commit()
    alert = db.session.scalars(select(StaffAlert)).one()
    db.session.refresh(page)
    assert page.staff_alert_id == alert.id
    assert len(db.session.scalars(select(OnCallAlert)).all()) == 1
    assert _page_events() == [f"page:{page.id}:1"]  # no second page

    url = f"/staff/on-call/{page.id}"
    sign_in_as(client, staff("family@example.org", role="clinician", queues=["family"]))
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/staff/account")
    assert client.post(f"{url}/acknowledge", data={"csrf_token": token}).status_code == 404

    sign_in_as(client, staff("dbt@example.org", role="clinician", queues=["dbt"]))
    html = client.get(url).get_data(as_text=True)
    assert "The intake was submitted and routed." in html
    assert f'href="/staff/referrals/{referral.id}"' in html
    assert f'href="/staff/alerts/{alert.id}"' in html
    alert_page = client.get(f"/staff/alerts/{alert.id}").get_data(as_text=True)
    assert "Not acknowledged yet: 1 page(s) sent" in alert_page
    assert "On-call page (intake in progress)" in alert_page  # its pages are listed there


def test_a_submitted_intake_not_yet_routed_says_so(app: Flask, client: FlaskClient) -> None:
    page = _paged_draft()
    _submission_of(page).status = "submitted"
    db.session.commit()
    sign_in_as(client, staff("coordinator@example.org"))
    html = client.get(f"/staff/on-call/{page.id}").get_data(as_text=True)
    assert "The intake was submitted and is being routed." in html


def test_a_failed_draft_stage_page_links_to_its_alert_for_admins(
    app: Flask, client: FlaskClient
) -> None:
    page = _paged_draft()
    message = db.session.scalars(select(NotificationMessage)).one()
    message.status = "failed"
    db.session.commit()
    sign_in_as(client, staff("admin@example.org", role="admin"))
    listing = client.get("/staff/messages/failed").get_data(as_text=True)
    assert "On-call page (intake in progress)" in listing
    assert f'href="/staff/on-call/{page.id}"' in listing
