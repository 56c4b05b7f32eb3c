"""Expected waits from a seeded history: made-to-scheduled of the last 90 days only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import AuditEvent, Referral, ReferralEvent
from clinic.models.columns import utcnow
from clinic.routing.waits import current_waits
from tests import factories

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
