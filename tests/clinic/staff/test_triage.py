"""Triage at the speed of a morning: case rows, readable ids, plain words, the flow
from one referral to the next, and contact attempts only as the client allows."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.intake.services import submit_draft
from clinic.models import Referral, ReferralEvent
from clinic.models.columns import utcnow
from clinic.routing.record import record_routing
from clinic.staff.labels import age_band, detail_words
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

SELF_HARM = {"reg.2": 1, "safety.now": 1, "rship.1": 1, "rship.4": 1}
"""Suicide risk (self-harm in the past month) and partner risk: two referrals, priority."""


def _routed(**overrides: object) -> list[Referral]:
    submission = factories.submitted_intake(**overrides)
    db.session.commit()
    record_routing(str(submission.id))
    db.session.commit()
    return list(
        db.session.scalars(
            select(Referral).where(Referral.submission_id == submission.id).order_by(Referral.rank)
        )
    )


def _case(page: str, reference: str | None) -> str:
    assert reference, "a submitted intake has a readable id"
    match = re.search(rf'<tbody class="case">(?:(?!</tbody>).)*{reference}.*?</tbody>', page, re.S)
    assert match, f"no case {reference} on the page"
    return match.group(0)


def _post(client: FlaskClient, referral: Referral, **data: str) -> tuple[str, str]:
    token = csrf_token(client, f"/staff/referrals/{referral.id}")
    db.session.refresh(referral)
    data = {"csrf_token": token, "version": str(referral.version), **data}
    response = client.post(f"/staff/referrals/{referral.id}/actions", data=data)
    assert response.status_code == 302
    return response.location, client.get(response.location).get_data(as_text=True)


def test_a_row_says_who_how_urgent_and_why_in_plain_words(app: Flask, client: FlaskClient) -> None:
    referrals = _routed(answers=SELF_HARM, subject_age=19)
    reference = referrals[0].submission.reference
    assert re.fullmatch(r"INT-\d{4}-\d{4}", reference)
    support.sign_in(client, support.staff())

    case = _case(client.get("/staff").get_data(as_text=True), reference)

    assert "Self, age 18-25" in case
    assert "Self-harm in the past month (yes)" in case and "reg.2" not in case
    assert "Partner safety" in case and "Priority" in case
    assert "Partial intake" not in case and "Left at the crisis page" not in case


def test_the_referrals_of_one_intake_read_as_one_case(app: Flask, client: FlaskClient) -> None:
    first, second = support.referral("dbt"), None
    second = support.referral("emdr", submission=first.submission)
    other = support.referral("dbt")
    support.sign_in(client, support.staff())

    page = client.get("/staff").get_data(as_text=True)
    case = _case(page, first.submission.reference)
    assert str(first.id) in case and str(second.id) in case and str(other.id) not in case
    assert "2 referrals" in case

    dbt_only = client.get("/staff/queues/dbt").get_data(as_text=True)
    case = _case(dbt_only, first.submission.reference)
    assert "Also from this intake" in case and str(second.id) in case


def test_a_partial_intake_left_at_the_crisis_page_is_marked_everywhere(
    app: Flask, client: FlaskClient
) -> None:
    draft = factories.draft(answers={"safety.now": 1, "reg.2": 1})
    left = submit_draft(draft, partial=True, via="safety_page")
    db.session.commit()
    record_routing(str(left.id))
    db.session.commit()
    referral = left.referrals[0]
    support.sign_in(client, support.staff())

    case = _case(client.get("/staff").get_data(as_text=True), left.reference)
    assert "Partial intake" in case and "Left at the crisis page" in case
    page = client.get(f"/staff/referrals/{referral.id}").get_data(as_text=True)
    assert "Partial intake" in page and "Left at the crisis page" in page
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/staff/queues/{referral.queue}/export.csv").text))
    )
    assert [(r["intake"], r["partial"], r["left_at_crisis_page"]) for r in rows] == [
        (left.reference, "yes", "yes")
    ]


def test_staff_find_an_intake_by_its_readable_id(app: Flask, client: FlaskClient) -> None:
    referral = support.referral("emdr")
    support.sign_in(client, support.staff())
    reference = referral.submission.reference

    found = client.get(f"/staff/find?reference={reference.lower()}")
    assert found.location == f"/staff/referrals/{referral.id}"
    missing = client.get("/staff/find?reference=INT-1999-0001", follow_redirects=True)
    assert "No intake INT-1999-0001 in your queues." in missing.get_data(as_text=True)


def test_accepting_a_new_referral_reviews_it_too_and_returns_to_it_with_the_next_one(
    app: Flask, client: FlaskClient
) -> None:
    clinician = support.staff("clinician", queues=("emdr",), name="Cal Clinician")
    first = support.referral("emdr", priority="urgent")
    second = support.referral("emdr", priority="routine")
    support.sign_in(client, support.staff())

    location, page = _post(client, first, action="accept", assignee=str(clinician.id))

    assert location == f"/staff/referrals/{first.id}"
    assert "Referral accepted and assigned." in page
    kinds = db.session.scalars(
        select(ReferralEvent.to_status)
        .where(ReferralEvent.referral_id == first.id)
        .order_by(ReferralEvent.id)
    ).all()
    assert kinds == ["new", "in_review", "accepted"]
    next_link = re.search(r'<a href="([^"]+)" class="next-referral"', page)
    assert next_link and next_link.group(1) == f"/staff/referrals/{second.id}"


def test_a_reroute_returns_to_the_referral_it_was_made_on(app: Flask, client: FlaskClient) -> None:
    referral = support.referral("emdr")
    support.sign_in(client, support.staff())
    location, page = _post(
        client, referral, action="reroute", target_queue="dbt", reason="better_fit"
    )
    assert location == f"/staff/referrals/{referral.id}"
    assert "Rerouted to" in page


def test_accepting_in_a_queue_without_clinicians_says_why_it_cannot(
    app: Flask, client: FlaskClient
) -> None:
    referral = support.referral("couples")
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{referral.id}").get_data(as_text=True)
    message = "No clinician works the Couples therapy queue yet"
    assert message in page and 'name="assignee" required' not in page

    _location, page = _post(client, referral, action="accept")
    assert message in page
    db.session.refresh(referral)
    assert referral.status == "new"  # the review it would have started is not kept either


def test_the_contact_block_leads_with_what_is_allowed(app: Flask, client: FlaskClient) -> None:
    contact = {
        "name": "Sam",
        "email": "sam@example.org",
        "channels": {"email": {"allowed": True}},
        "caregiver_contact_ok": False,
    }
    referral = support.referral("emdr", submission=factories.submitted_intake(contact=contact))
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{referral.id}").get_data(as_text=True)
    block = page[page.index('id="contact-title"') : page.index('id="why-title"')]

    assert "Call them" not in block
    assert block.index("Email: allowed") < block.index("Phone call: not allowed")
    assert block.index("Phone call: not allowed") < block.index("Name to use")
    assert "parent or carer" not in block  # an adult was never asked


def test_a_teenager_s_answer_about_a_parent_or_carer_is_shown(
    app: Flask, client: FlaskClient
) -> None:
    contact = {"channels": {"email": {"allowed": True}}, "caregiver_contact_ok": False}
    submission = factories.submitted_intake(path="teen_self", subject_age=15, contact=contact)
    referral = support.referral("dbt", submission=submission)
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{referral.id}").get_data(as_text=True)
    assert "Do NOT contact a parent or carer" in page


def test_the_contact_attempt_form_offers_only_allowed_channels_and_chooses_nothing(
    app: Flask, client: FlaskClient
) -> None:
    contact = {"phone": "555", "channels": {"phone": {"allowed": True, "leave_message": False}}}
    submission = factories.submitted_intake(contact=contact)
    referral = support.referral("emdr", status="accepted", submission=submission)
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{referral.id}").get_data(as_text=True)
    form = page[page.index('id="form-contact_attempt"') :]
    form = form[: form.index("</form>")]

    assert re.findall(r'<option value="(\w*)"', form[: form.index('id="outcome"')]) == [
        "",
        "phone",
    ]
    assert form.count("selected") == 2  # the two empty "Choose" options, nothing else

    _location, page = _post(
        client, referral, action="contact_attempt", channel="email", outcome="no_answer"
    )
    assert "The client did not allow email: use phone." in page
    _location, page = _post(
        client, referral, action="contact_attempt", channel="phone", outcome="left_message"
    )
    assert "The client asked that no voicemail be left" in page
    _location, page = _post(client, referral, action="contact_attempt", channel="phone", outcome="")
    assert "Choose how you tried to make contact and what came of it." in page
    attempts = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.kind == "contact_attempt")
    ).all()
    assert attempts == []
    _location, page = _post(
        client, referral, action="contact_attempt", channel="phone", outcome="no_answer"
    )
    assert "Contact attempt logged." in page


def test_the_waiting_time_is_read_against_the_target(app: Flask, client: FlaskClient) -> None:
    referral = support.referral("emdr", priority="urgent")
    referral.created_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    support.sign_in(client, support.staff())
    case = _case(client.get("/staff").get_data(as_text=True), referral.submission.reference)
    assert "3 h" in case and "Overdue" in case and "target 1 hour" in case


def test_audit_details_and_ages_read_in_words(app: Flask) -> None:
    detail = {"from": "in_review", "to": "accepted", "queue": "dbt", "queues": ["emdr", "play"]}
    with app.test_request_context():  # labels are translated for the request's language
        words = detail_words(detail)
    assert words == [
        ("from", "In review"),
        ("to", "Accepted"),
        ("queue", "DBT"),
        ("queues", "EMDR, Play therapy"),
    ]
    assert [age_band(a) for a in (4, 11, 12, 17, 18, 64, 65, None)] == [
        "0-5",
        "6-11",
        "12-17",
        "12-17",
        "18-25",
        "26-64",
        "65+",
        "",
    ]
