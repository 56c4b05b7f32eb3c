"""The client record: made when the intake is routed, links referrals, merged by a
coordinator (audited)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.intake import clients
from clinic.models import AuditEvent, Client
from clinic.staff import client_operations
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")


def test_a_routed_intake_gets_a_client_record_of_its_own(app: Flask) -> None:
    first = factories.routed_intake()
    second = factories.routed_intake()

    assert first.client_id is not None and second.client_id is not None
    assert first.client_id != second.client_id
    record = db.session.get(Client, first.client_id)
    assert record is not None
    assert [r.id for r in clients.referrals_of(record)] == [r.id for r in first.referrals]
    # Pseudonymous: nothing but ids and times.
    assert set(Client.__table__.columns.keys()) == {
        "id",
        "created_at",
        "merged_into_id",
        "merged_at",
    }


def test_an_intake_has_no_client_record_until_it_is_routed(app: Flask) -> None:
    assert factories.draft().client_id is None
    assert factories.submitted_intake().client_id is None


def test_a_coordinator_merges_two_records_after_seeing_both(app: Flask) -> None:
    first = factories.routed_intake()
    second = factories.routed_intake()
    assert second.reference is not None
    coordinator = factories.coordinator()

    plan = client_operations.plan(first, second.reference.lower())
    assert {s.id for s in plan.keep_intakes + plan.other_intakes} == {first.id, second.id}
    kept = client_operations.merge(plan, actor=coordinator)
    db.session.flush()

    assert first.client_id == second.client_id == kept.id
    assert plan.other.merged_into_id == kept.id
    assert {s.id for s in clients.submissions_of(kept)} == {first.id, second.id}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client.merged")).one()
    assert event.actor_id == coordinator.id
    assert event.detail["merged"] == str(plan.other.id)
    with pytest.raises(client_operations.MergeRefused, match="same client record"):
        client_operations.plan(first, second.reference)


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_only_a_coordinator_may_merge(app: Flask, role: str) -> None:
    first = factories.routed_intake()
    second = factories.routed_intake()
    assert second.reference is not None
    other = factories.clinician() if role == "clinician" else factories.admin()

    plan = client_operations.plan(first, second.reference)
    with pytest.raises(client_operations.MergeRefused, match="intake coordinator"):
        client_operations.merge(plan, actor=other)
    assert first.client_id != second.client_id


def test_an_unknown_reference_is_refused(app: Flask) -> None:
    first = factories.routed_intake()
    with pytest.raises(client_operations.MergeRefused, match="No sent intake"):
        client_operations.plan(first, "INT-1999-9999")


def test_the_merge_pages_check_then_confirm(app: Flask) -> None:
    coordinator = support.staff()
    first = factories.routed_intake()
    second = factories.routed_intake()
    referral = first.referrals[0]
    db.session.commit()
    browser = app.test_client()
    support.sign_in(browser, coordinator)
    url = f"/staff/referrals/{referral.id}/merge"
    page = browser.get(url, query_string={"reference": second.reference})
    assert page.status_code == 200
    assert "Merge two client records?" in page.text
    db.session.expire_all()
    assert first.client_id != second.client_id  # nothing changed by looking

    token = csrf_token(browser, f"{url}?reference={second.reference}")
    done = browser.post(
        url, data={"reference": second.reference, "confirm": "yes", "csrf_token": token}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert first.client_id == second.client_id
