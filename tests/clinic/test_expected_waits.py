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
from clinic.routing.waits import (
    cached_waits,
    current_figures,
    current_waits,
    forget_cached_waits,
)
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

DAY = timedelta(days=1)


def _scheduled(
    queue: str, waited_days: float, scheduled_days_ago: float, priority: str = "routine"
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


def _on_postgres() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the figures are taken in the database on PostgreSQL only")


def test_the_database_takes_the_same_nearest_rank_figures_as_python(app: Flask) -> None:
    _on_postgres()
    # Ten with ties (ranks 5 and 9 exactly: 0.5 x 10 and 0.9 x 10 are whole).
    for waited in (1, 2, 2, 2, 3, 5, 8, 8, 9, 9):
        _scheduled("emdr", waited, scheduled_days_ago=3)
    for _ in range(5):  # exactly the minimum, all the same wait
        _scheduled("emdr", 1, scheduled_days_ago=3, priority="priority")
    for waited in (2, 3, 4, 5):  # one short of the minimum
        _scheduled("dbt", waited, scheduled_days_ago=3)
    # Seven, parts of days and a microsecond apart (ranks 4 and 7: rounded up).
    for waited in (0.25, 0.5, 0.5 + 1e-6 / 86400, 1.75, 3.2, 6.01, 40):
        _scheduled("dbt", waited, scheduled_days_ago=2, priority="priority")
    for waited in range(20, 0, -1):  # twenty, made out of order
        _scheduled("family", waited, scheduled_days_ago=1)
    for waited in (1, 1, 2, 2, 2, 3):  # urgent: never part of what clients are told
        _scheduled("intake", waited, scheduled_days_ago=1, priority="urgent")
    _scheduled("family", 500, scheduled_days_ago=90.01)  # just outside the window
    _scheduled("family", 0.5, scheduled_days_ago=89.99)  # just inside

    in_sql = current_figures(in_sql=True)
    in_python = current_figures(in_sql=False)

    assert in_sql == in_python
    emdr = in_sql.by_queue[("emdr", "routine")]
    assert (emdr.median, emdr.p90, emdr.count) == (3 * DAY, 9 * DAY, 10)
    assert in_sql.by_queue[("emdr", "priority")].median == DAY
    assert ("dbt", "routine") not in in_sql.by_queue
    dbt = in_sql.by_queue[("dbt", "priority")]
    assert (dbt.median, dbt.p90) == (1.75 * DAY, 40 * DAY)
    family = in_sql.by_queue[("family", "routine")]
    assert (family.median, family.p90, family.count) == (10 * DAY, 18 * DAY, 21)
    assert in_sql.by_queue[("intake", "urgent")].count == 6
    # 10 + 5 + 4 + 7 + 21 waits that are not urgent: rank ceil(0.9 x 47) = 43, the fifth
    # longest (40, 20, 19, 18, 17 days).
    assert in_sql.for_clients == 17 * DAY


@pytest.mark.parametrize(("history", "told"), [(19, False), (20, True)])
def test_the_database_keeps_the_clients_minimum(app: Flask, history: int, told: bool) -> None:
    _on_postgres()
    _seed_client_history(history)
    for _ in range(10):
        _scheduled("intake", 1, scheduled_days_ago=1, priority="urgent")

    in_sql = current_figures(in_sql=True)

    assert in_sql == current_figures(in_sql=False)
    assert (in_sql.for_clients is not None) is told


def test_the_database_with_no_history_has_no_figures(app: Flask) -> None:
    _on_postgres()
    assert current_figures(in_sql=True) == current_figures(in_sql=False)
    assert current_figures(in_sql=True).by_queue == {}
    assert current_figures(in_sql=True).for_clients is None
