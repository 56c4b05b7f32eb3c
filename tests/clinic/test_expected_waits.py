"""Expected waits from a seeded history: made-to-scheduled of the last 90 days only."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import AuditEvent, Referral, ReferralEvent
from clinic.models.columns import utcnow
from clinic.routing.waits import cached_waits, current_waits, forget_cached_waits
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

DAY = timedelta(days=1)


def _scheduled(
    queue: str, waited_days: int, scheduled_days_ago: int, priority: str = "routine"
) -> None:
    """A referral made `waited_days` before it was scheduled, `scheduled_days_ago` ago."""
    made = factories.referral()
    made.queue, made.priority = queue, priority
    scheduled_at = utcnow() - scheduled_days_ago * DAY
    made.created_at = scheduled_at - waited_days * DAY
    db.session.add(
        ReferralEvent(
            referral_id=made.id,
            kind="transition",
            from_status="contacted",
            to_status="scheduled",
            created_at=scheduled_at,
        )
    )
    db.session.flush()


def test_waits_are_read_from_referrals_scheduled_in_the_last_90_days(app: object) -> None:
    for waited in (10, 20, 30, 40, 50):
        _scheduled("emdr", waited, scheduled_days_ago=5)
    _scheduled("emdr", 400, scheduled_days_ago=91)  # outside the window
    for waited in (1, 2, 3, 4, 5):
        _scheduled("emdr", waited, scheduled_days_ago=1, priority="priority")
    _scheduled("dbt", 7, scheduled_days_ago=1)

    waits = current_waits()

    routine = waits[("emdr", "routine")]
    assert (routine.count, routine.median, routine.p90) == (5, 30 * DAY, 50 * DAY)
    assert waits[("emdr", "priority")].p90 == 5 * DAY
    assert ("dbt", "routine") not in waits
    assert db.session.query(Referral).count() == 12


def test_the_api_gives_the_waits_of_the_owners_queues(client: FlaskClient) -> None:
    for waited in (3, 4, 5, 6, 7):
        _scheduled("dbt", waited, scheduled_days_ago=2)
        _scheduled("emdr", waited, scheduled_days_ago=2)
    clinician = factories.clinician(queues=("dbt",))
    token = create_token(clinician, "waits")
    db.session.commit()

    response = client.get("/api/v1/queues/waits", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json == {
        "window_days": 90,
        "waits": [
            {
                "queue": "dbt",
                "priority": "routine",
                "median_days": 5.0,
                "p90_days": 7.0,
                "referrals": 5,
            }
        ],
    }
    assert "api.queue_waits_viewed" in db.session.scalars(select(AuditEvent.action)).all()


def _tell_clients(app: Flask, on: bool) -> None:
    settings = app.extensions["clinic_settings"]
    app.extensions["clinic_settings"] = dataclasses.replace(
        settings, expected_wait_on_confirmation=on
    )


def test_the_dashboard_shows_each_queues_waits_or_says_too_few(
    app: Flask, client: FlaskClient
) -> None:
    for waited in (10, 20, 30, 40, 50):
        _scheduled("emdr", waited, scheduled_days_ago=5)
    for waited in (3, 4, 5, 6):
        _scheduled("dbt", waited, scheduled_days_ago=5)
    support.sign_in(client, support.staff())

    page = support.page_text(client, "/staff")

    waits = page[
        page.index('id="waits-title"') : page.index("</section>", page.index("waits-title"))
    ]
    emdr = re.search(r"<th scope=\"row\">EMDR</th>(.*?)</tr>", waits, re.S)
    dbt = re.search(r"<th scope=\"row\">DBT</th>(.*?)</tr>", waits, re.S)
    assert emdr and dbt
    routine = re.findall(r"<td>(.*?)</td>", emdr.group(1), re.S)[2]
    assert re.sub(r"<[^>]+>", "", routine) == "30 days, 9 in 10 within 50 days (5 referrals)"
    assert "days" not in dbt.group(1)  # four are too few to say


def test_the_figures_are_kept_briefly_and_read_again_once_forgotten(app: Flask) -> None:
    for waited in (10, 20, 30, 40, 50):
        _scheduled("emdr", waited, scheduled_days_ago=5)
    first = cached_waits()
    _scheduled("emdr", 60, scheduled_days_ago=1)
    assert cached_waits() is first  # kept: no second read
    forget_cached_waits()
    assert cached_waits().by_queue[("emdr", "routine")].count == 6


def _seed_client_history(count: int) -> None:
    for waited in range(1, count + 1):
        _scheduled("emdr", waited, scheduled_days_ago=1)


def test_the_confirmation_page_says_nothing_of_waits_unless_the_clinic_turns_it_on(
    app: Flask, client: FlaskClient
) -> None:
    _seed_client_history(20)
    db.session.commit()
    assert "Most people" not in client.get("/intake/sent").get_data(as_text=True)


def test_the_confirmation_page_tells_most_peoples_wait_in_plain_words(
    app: Flask, client: FlaskClient
) -> None:
    _tell_clients(app, True)
    _seed_client_history(20)  # 1..20 days: nine in ten within 18 days
    db.session.commit()

    english = client.get("/intake/sent").get_data(as_text=True)
    assert "Most people hear from us about a first appointment within 3 weeks." in english
    assert "not a promise" in english
    spanish = client.get("/intake/sent", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "sobre una primera cita en un plazo de 3 semanas." in spanish
    assert "no una promesa" in spanish


def test_days_under_two_weeks(app: Flask, client: FlaskClient) -> None:
    _tell_clients(app, True)
    for _ in range(20):
        _scheduled("dbt", 9, scheduled_days_ago=1, priority="priority")
    db.session.commit()
    assert "within 9 days." in client.get("/intake/sent").get_data(as_text=True)


def test_too_little_history_tells_the_client_nothing(app: Flask, client: FlaskClient) -> None:
    _tell_clients(app, True)
    _seed_client_history(19)
    for _ in range(10):
        _scheduled("intake", 1, scheduled_days_ago=1, priority="urgent")  # not counted
    db.session.commit()
    assert "Most people" not in client.get("/intake/sent").get_data(as_text=True)
