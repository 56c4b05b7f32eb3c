"""The queue dashboard (order, filters, pages, SLA), the referral page and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, NotificationMessage, Referral
from clinic.models.columns import utcnow
from clinic.routing.follow_up import follow_up_referral
from clinic.routing.record import record_routing
from clinic.staff.hooks import clinic_zone
from clinic.staff.queue_query import Filters, fetch_page
from clinic.staff.sla import parse_targets, sla_state
from tests import factories
from tests.clinic.staff import support


def _aged(queue: str, priority: str, hours: float, **fields: object) -> Referral:
    ref = support.referral(queue, priority=priority, **fields)
    ref.created_at = utcnow() - timedelta(hours=hours)
    db.session.commit()
    return ref


@pytest.mark.usefixtures("app_context")
def test_urgent_first_then_longest_waiting_across_pages(app: Flask) -> None:
    made = [
        _aged("emdr", "routine", 50),
        _aged("dbt", "urgent", 1),
        _aged("emdr", "priority", 5),
        _aged("dbt", "routine", 80),
        _aged("emdr", "urgent", 3),
        _aged("emdr", "routine", 10, status="closed"),
    ]
    filters = Filters(queues=("emdr", "dbt"))
    seen, cursor = [], None
    while True:
        page = fetch_page(filters, cursor, size=2)
        seen += [r.id for r in page.referrals]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [made[4].id, made[1].id, made[2].id, made[3].id, made[0].id]


@pytest.mark.usefixtures("app_context")
def test_filters_narrow_the_list(app: Flask, client: FlaskClient) -> None:
    coordinator = support.staff()
    clinician = support.staff("clinician", queues=("emdr",), name="Cal")
    mine = _aged("emdr", "priority", 2, status="accepted", assignee_id=clinician.id)
    other = _aged("dbt", "priority", 2)
    support.sign_in(client, coordinator)
    page = client.get(f"/staff?assignee={clinician.id}&status=accepted").get_data(as_text=True)
    assert str(mine.id)[:8] in page and str(other.id)[:8] not in page
    page = client.get("/staff?queue=dbt&priority=priority").get_data(as_text=True)
    assert str(other.id)[:8] in page and str(mine.id)[:8] not in page
    received = mine.created_at.astimezone(clinic_zone()).date().isoformat()
    page = client.get(f"/staff?from={received}&to={received}").get_data(as_text=True)
    assert str(mine.id)[:8] in page


@pytest.mark.usefixtures("app_context")
def test_sla_turns_overdue_when_the_target_passes(app: Flask, client: FlaskClient) -> None:
    targets = parse_targets("urgent=1h,priority=1wd,routine=5wd")
    from zoneinfo import ZoneInfo

    now = utcnow()
    late = sla_state(
        priority="urgent",
        status="new",
        created_at=now - timedelta(hours=2),
        now=now,
        targets=targets,
        zone=ZoneInfo("UTC"),
    )
    contacted = sla_state(
        priority="urgent",
        status="contacted",
        created_at=now - timedelta(hours=2),
        now=now,
        targets=targets,
        zone=ZoneInfo("UTC"),
    )
    assert late.breached and late.label == "Overdue"
    assert contacted.due is None and not contacted.breached
    ref = _aged("intake", "urgent", 2)
    support.sign_in(client, support.staff())
    page = client.get("/staff").get_data(as_text=True)
    assert "Overdue" in page and str(ref.id)[:8] in page


def test_working_days_skip_the_weekend() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    due = parse_targets("routine=1wd")["routine"].due(friday, ZoneInfo("UTC"))
    assert due == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _routed(**overrides: object) -> Referral:
    submission = factories.submitted_intake(**overrides)
    db.session.commit()
    record_routing(str(submission.id))
    db.session.expire_all()
    return db.session.scalars(
        select(Referral).where(Referral.submission_id == submission.id).order_by(Referral.rank)
    ).first()


ACUTE_ADULT = {
    "safety.now": 0,
    **{f"phq9.{i}": 2 for i in range(1, 9)},
    "phq9.9": 1,
    "phq9.10": 1,
    "rship.1": 1,
    "rship.2": 1,
    "rship.3": 1,
    "rship.4": None,
}
CONTACT = {
    "language": "en",
    "name": "Sam",
    "email": "sam@example.org",
    "phone": "555 123 4567",
    "channels": {
        "email": {"allowed": True, "mention_clinic": False},
        "phone": {"allowed": True, "leave_message": False, "mention_clinic": False},
        "text": {"allowed": False, "mention_clinic": False},
    },
    "safe_times": ["weekday_evening"],
    "caregiver_contact_ok": None,
}


@pytest.mark.usefixtures("app_context")
def test_referral_page_shows_risk_explanation_scores_contact_wishes_and_history(
    app: Flask, client: FlaskClient
) -> None:
    ref = _routed(answers=ACUTE_ADULT, contact=CONTACT)
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)
    assert "Risk: read before contacting" in page
    assert "Acute risk" in page and "Suicide risk" in page
    assert "Urgent" in page
    assert "Patient Health Questionnaire-9" in page
    assert 'class="score-bar"' in page and 'class="cut-off"' in page
    assert "do NOT leave a voicemail" in page and "do NOT mention the clinic" in page
    assert "555 123 4567" in page and "weekday evenings" in page
    assert "Text message: not allowed" in page
    assert "referral created" in page
    assert "style=" not in page  # strict CSP: no inline styles, the SVG included
    viewed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.viewed")
    ).one()
    assert viewed.target_id == str(ref.id) and "sam@" not in str(viewed.detail)


@pytest.mark.usefixtures("app_context")
def test_answers_page_tells_prefer_not_from_not_asked(app: Flask, client: FlaskClient) -> None:
    ref = _routed(answers=ACUTE_ADULT, contact=CONTACT)
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{ref.id}/answers").get_data(as_text=True)
    assert "Feeling down, depressed, or hopeless" in page
    assert "More than half the days (2)" in page
    assert '<em class="prefer-not">Prefer not to answer</em>' in page  # rship.4
    assert '<span class="muted">Not asked</span>' in page  # e.g. the GAD-7 items
    assert "referral.answers_viewed" in db.session.scalars(select(AuditEvent.action)).all()


@pytest.mark.usefixtures("app_context")
def test_export_lists_the_queue_without_answers_and_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    ref = _routed(answers=ACUTE_ADULT, contact=CONTACT)
    support.sign_in(client, support.staff())
    response = client.get(f"/staff/queues/{ref.queue}/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["reference"] for r in rows] == [str(ref.id)]
    assert rows[0]["priority"] == "urgent" and rows[0]["sla_overdue"] in ("yes", "no")
    text = response.get_data(as_text=True)
    assert "sam@example.org" not in text and "555 123 4567" not in text and "Sam" not in text
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral_list.exported")
    ).one()
    assert event.detail["rows"] == 1


@pytest.mark.usefixtures("app_context")
def test_overview_draws_its_charts(app: Flask, client: FlaskClient) -> None:
    _aged("emdr", "urgent", 2)
    support.sign_in(client, support.staff())
    page = client.get("/staff/overview").get_data(as_text=True)
    assert page.count('class="column-chart"') == 6
    assert "Open urgent referrals: " in page and "EMDR 1" in page


@pytest.mark.usefixtures("app_context")
def test_referral_page_shows_its_messages_with_a_failed_one_plainly(
    app: Flask, client: FlaskClient
) -> None:
    coordinator = support.staff()
    ref = _routed(answers={"safety.now": 1, "phq9.9": 1}, contact=CONTACT)
    follow_up_referral(str(ref.id))
    message = db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.referral_id == ref.id)
    ).first()
    assert message is not None
    message.status, message.last_error = "failed", "SMTP 550"
    db.session.commit()
    support.sign_in(client, coordinator)

    page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)

    assert "Messages about this referral" in page
    assert "<td>Failed</td>" in page and "SMTP 550" in page
    assert "Alert and on-call page" in page
