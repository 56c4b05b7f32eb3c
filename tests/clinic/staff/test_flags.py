"""Decision flags on the staff console: badges, the flag filter, the CSV column, the
rules version, and queue isolation."""

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
from clinic.models import AuditEvent, Referral
from clinic.models.columns import utcnow
from clinic.routing.record import record_routing
from clinic.staff.queue_query import PAGE_SIZE, Filters, fetch_page
from referrals import DECISION_FLAGS
from referrals.flags import FLAG_LABELS
from tests import factories
from tests.clinic.staff import support

FLAGS = tuple(FLAG_LABELS)
BADGES = {
    "partner_safety": "Partner safety",
    "safety_unknown": "Safety not confirmed",
    "cptsd": "Complex PTSD",
    "safeguarding": "Safeguarding check",
    "severe_symptoms": "Severe symptoms",
    "alcohol_use": "Alcohol use",
}


def _short(made: Referral) -> str:
    return str(made.id)[:8]


def _badges(html: str) -> list[str]:
    return re.findall(r'class="flag-badge">([^<]+)<', html)


def test_every_flag_of_the_routing_policy_has_a_plain_label() -> None:
    assert set(FLAG_LABELS) == set(DECISION_FLAGS)
    assert {flag: FLAG_LABELS[flag].label for flag in FLAGS} == BADGES
    assert all(label.explanation for label in FLAG_LABELS.values())


@pytest.mark.usefixtures("app_context")
def test_each_flag_is_a_badge_on_its_row_and_explained_on_the_referral_page(
    app: Flask, client: FlaskClient
) -> None:
    made = {flag: support.flagged_referral("emdr", [flag]) for flag in FLAGS}
    plain = support.referral("emdr")
    support.sign_in(client, support.staff())

    dashboard = client.get("/staff").get_data(as_text=True)

    for flag, ref in made.items():
        assert _badges(support.row_of(dashboard, ref)) == [BADGES[flag]]
        page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)
        explained = f'<span class="flag-badge">{BADGES[flag]}</span>: '
        assert explained + FLAG_LABELS[flag].explanation in page
    assert _badges(support.row_of(dashboard, plain)) == []
    assert 'id="flags-title"' not in client.get(f"/staff/referrals/{plain.id}").get_data(
        as_text=True
    )


@pytest.mark.usefixtures("app_context")
def test_several_flags_read_in_the_same_order_on_row_and_page(
    app: Flask, client: FlaskClient
) -> None:
    ref = support.flagged_referral("dbt", ["alcohol_use", "partner_safety", "safety_unknown"])
    support.sign_in(client, support.staff())
    order = ["Safety not confirmed", "Partner safety", "Alcohol use"]

    assert _badges(support.row_of(client.get("/staff").get_data(as_text=True), ref)) == order
    assert _badges(client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)) == order


@pytest.mark.usefixtures("app_context")
def test_a_flag_this_console_does_not_know_is_shown_by_its_name(
    app: Flask, client: FlaskClient
) -> None:
    ref = support.flagged_referral("intake", ["interpreter_needed"])
    support.sign_in(client, support.staff())
    row = support.row_of(client.get("/staff").get_data(as_text=True), ref)
    assert _badges(row) == ["Interpreter needed"]


@pytest.mark.usefixtures("app_context")
def test_the_dashboard_filters_by_each_flag(app: Flask, client: FlaskClient) -> None:
    made = {flag: support.flagged_referral("emdr", [flag]) for flag in FLAGS}
    both = support.flagged_referral("dbt", ["cptsd", "alcohol_use"])
    plain = support.referral("emdr")
    support.sign_in(client, support.staff())

    for flag in FLAGS:
        page = client.get(f"/staff?flag={flag}").get_data(as_text=True)
        expected = {made[flag].id} | ({both.id} if flag in ("cptsd", "alcohol_use") else set())
        shown = {r.id for r in [*made.values(), both, plain] if _short(r) in page}
        assert shown == expected, flag
        assert f'<option value="{flag}" selected>' in page

    flagged = client.get("/staff?flag=any").get_data(as_text=True)
    assert all(_short(r) in flagged for r in [*made.values(), both])
    assert _short(plain) not in flagged
    unknown = client.get("/staff?flag=nonsense").get_data(as_text=True)
    assert _short(plain) in unknown and _short(both) in unknown  # ignored, never trusted


@pytest.mark.usefixtures("app_context")
def test_the_flag_filter_keeps_the_keyset_order_across_pages(app: Flask) -> None:
    wanted = []
    for hours, priority in [(9, "routine"), (8, "urgent"), (7, "routine"), (6, "priority")]:
        flagged = support.flagged_referral("emdr", ["safeguarding"], priority=priority)
        flagged.created_at = utcnow() - timedelta(hours=hours)
        support.referral("emdr", priority=priority).created_at = utcnow() - timedelta(hours=hours)
        support.flagged_referral("emdr", ["cptsd"], priority=priority)
        wanted.append(flagged)
    db.session.commit()
    filters = Filters(queues=("emdr", "dbt"), flag="safeguarding")

    seen, cursor = [], None
    while True:
        page = fetch_page(filters, cursor, size=1)
        seen += [r.id for r in page.referrals]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == [wanted[1].id, wanted[3].id, wanted[0].id, wanted[2].id]


@pytest.mark.usefixtures("app_context")
def test_the_next_page_link_keeps_the_flag_filter(app: Flask, client: FlaskClient) -> None:
    for _ in range(PAGE_SIZE + 1):
        support.flagged_referral("family", ["severe_symptoms"])
    plain = support.referral("family")
    support.sign_in(client, support.staff())

    first = client.get("/staff?flag=severe_symptoms").get_data(as_text=True)
    next_url = re.search(r'<a href="([^"]+)">Next page</a>', first)
    assert next_url is not None and "flag=severe_symptoms" in next_url.group(1)

    second = client.get(next_url.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('class="flag-badge">Severe symptoms<') == 1
    assert "Next page" not in second and _short(plain) not in second


@pytest.mark.usefixtures("app_context")
def test_the_csv_export_has_the_flags_and_follows_the_flag_filter(
    app: Flask, client: FlaskClient
) -> None:
    flagged = support.flagged_referral("couples", ["partner_safety", "alcohol_use"])
    plain = support.referral("couples")
    support.sign_in(client, support.staff())

    rows = list(csv.DictReader(io.StringIO(client.get("/staff/queues/couples/export.csv").text)))
    by_reference = {row["reference"]: row["flags"] for row in rows}
    assert by_reference == {str(flagged.id): "partner_safety alcohol_use", str(plain.id): ""}

    only = client.get("/staff/queues/couples/export.csv?flag=alcohol_use").text
    assert [r["reference"] for r in csv.DictReader(io.StringIO(only))] == [str(flagged.id)]
    exports = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral_list.exported")
    ).all()
    assert [(e.detail["rows"], e.detail["flag"]) for e in exports] == [
        (2, None),
        (1, "alcohol_use"),
    ]


@pytest.mark.usefixtures("app_context")
def test_the_csv_columns_are_the_documented_ones(app: Flask, client: FlaskClient) -> None:
    support.referral("play")
    support.sign_in(client, support.staff())
    header = client.get("/staff/queues/play/export.csv").text.splitlines()[0]
    assert header == (
        "reference,queue,priority,status,received,waiting_hours,assignee,sla_due,sla_overdue,flags,"
        "intake,partial,left_at_crisis_page"
    )


@pytest.mark.usefixtures("app_context")
def test_routing_writes_the_flags_the_dashboard_shows_and_filters_by(
    app: Flask, client: FlaskClient
) -> None:
    submission = factories.submitted_intake(answers=support.EVERY_ADULT_FLAG)
    db.session.commit()
    record_routing(str(submission.id))
    refs = db.session.scalars(select(Referral).where(Referral.submission_id == submission.id)).all()
    support.sign_in(client, support.staff())
    badges = ["Safety not confirmed", "Partner safety", "Severe symptoms", "Complex PTSD"]
    badges.append("Alcohol use")

    for ref in refs:  # every referral of the intake carries the intake's flags
        assert _badges(support.row_of(client.get("/staff").get_data(as_text=True), ref)) == badges
        for flag in ("partner_safety", "cptsd"):
            page = client.get(f"/staff?flag={flag}").get_data(as_text=True)
            assert _badges(support.row_of(page, ref)) == badges
        page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)
        assert _badges(page) == badges
    assert _short(ref) not in client.get("/staff?flag=safeguarding").get_data(as_text=True)


@pytest.mark.usefixtures("app_context")
def test_the_referral_page_names_the_rules_its_decision_was_made_under(
    app: Flask, client: FlaskClient
) -> None:
    submission = factories.submitted_intake(answers={"safety.now": 1})
    db.session.commit()
    record_routing(str(submission.id))
    routed = db.session.scalars(
        select(Referral).where(Referral.submission_id == submission.id)
    ).one()
    older = support.referral(
        "intake", submission=support.decided(factories.submitted_intake(), [], "clinic-local-7")
    )
    support.sign_in(client, support.staff())

    page = client.get(f"/staff/referrals/{routed.id}").get_data(as_text=True)
    assert f"Decided under rules {app.extensions['routing_rules'].version}." in page
    page = client.get(f"/staff/referrals/{older.id}").get_data(as_text=True)
    assert "Decided under rules clinic-local-7." in page  # the version it was made under


@pytest.mark.usefixtures("app_context")
def test_an_intake_routing_could_not_read_names_no_rules(app: Flask, client: FlaskClient) -> None:
    submission = factories.submitted_intake(answers={"phq9.1": 9})
    db.session.commit()
    record_routing(str(submission.id))
    ref = db.session.scalars(select(Referral).where(Referral.submission_id == submission.id)).one()
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)
    assert "Decided under rules" not in page and "Routing could not read this intake" in page


@pytest.mark.parametrize("asked", ["/staff", "/staff?queue=family", "/staff/queues/emdr"])
@pytest.mark.usefixtures("app_context")
def test_a_clinician_filtering_by_flag_sees_only_their_queues(
    app: Flask, client: FlaskClient, asked: str
) -> None:
    mine = support.flagged_referral("emdr", ["safeguarding"])
    theirs = support.flagged_referral("family", ["safeguarding"])
    support.sign_in(client, support.staff("clinician", queues=("emdr",)))

    page = client.get(f"{asked}{'&' if '?' in asked else '?'}flag=safeguarding").get_data(
        as_text=True
    )

    assert _short(mine) in page and _short(theirs) not in page
    assert client.get("/staff/queues/family?flag=safeguarding").status_code == 403
    assert client.get("/staff/queues/family/export.csv?flag=safeguarding").status_code == 403
    assert client.get(f"/staff/referrals/{theirs.id}").status_code == 404


@pytest.mark.usefixtures("app_context")
def test_partner_safety_without_a_withheld_referral_gives_its_evidence_in_the_risk_banner(
    app: Flask, client: FlaskClient
) -> None:
    submission = support.decided(factories.submitted_intake(), ["partner_safety"])
    evidence = {"value": True, "evidence": ["partner hurt, threatened or controlled (rship.5)"]}
    submission.decision = {**submission.decision, "facts": {"partner_risk": evidence}}
    db.session.commit()
    ref = support.referral("emdr", submission=submission)
    support.sign_in(client, support.staff())

    page = client.get(f"/staff/referrals/{ref.id}").get_data(as_text=True)

    assert (
        "<strong>Partner safety</strong>: partner hurt, threatened or controlled (rship.5)" in page
    )
    assert "couples therapy not offered" not in page
