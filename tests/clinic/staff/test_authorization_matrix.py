"""Every staff URL in the URL map, for every kind of visitor: who gets in, who does not.

A route added without protection fails here: each endpoint under /staff (the
console's own and those of blueprints nested in it, such as the notification
pages) needs a row in EXPECTED.
"""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from clinic.extensions import db
from clinic.models import NotificationMessage, StaffAlert
from clinic.notifications import queue_staff_alerts
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "403", "404"
PUBLIC = {"staff.login", "staff.mfa_code", "staff.mfa_setup"}
"""Sign-in steps: open to all (the two code steps send you back without a password)."""

PRINCIPALS = ("anonymous", "coordinator", "clinician", "other_clinician", "admin")
CLINICAL_PAGE = {
    "anonymous": LOGIN,
    "coordinator": OK,
    "clinician": OK,
    "other_clinician": OK,
    "admin": FORBIDDEN,
}
IN_QUEUE = {**CLINICAL_PAGE, "other_clinician": NOT_FOUND}
"""A referral of the `emdr` queue: a clinician of another queue must not learn it exists."""
QUEUE_PAGE = {**CLINICAL_PAGE, "other_clinician": FORBIDDEN}
ADMIN_PAGE = {p: FORBIDDEN for p in PRINCIPALS} | {"anonymous": LOGIN, "admin": OK}
ANY_SIGNED_IN = {p: OK for p in PRINCIPALS} | {"anonymous": LOGIN}
TOKEN_OWNER_OR_ADMIN = {p: NOT_FOUND for p in PRINCIPALS} | {"anonymous": LOGIN, "admin": OK}
"""The token of `target`: only its owner (not a principal here) and admins may revoke it."""

EXPECTED: dict[str, dict[str, str]] = {
    "staff.dashboard": {**CLINICAL_PAGE, "admin": OK},  # the front door: admins are sent on
    "staff.overview_page": CLINICAL_PAGE,
    "staff.find_intake": CLINICAL_PAGE,
    "staff.queue_view": QUEUE_PAGE,
    "staff.export_queue": QUEUE_PAGE,
    "staff.referral": IN_QUEUE,
    "staff.answers": IN_QUEUE,
    "staff.act": IN_QUEUE,
    "staff.note": IN_QUEUE,
    # Merging client records: coordinators only (they see every queue's intakes).
    "staff.merge_client": {p: FORBIDDEN for p in PRINCIPALS}
    | {"anonymous": LOGIN, "coordinator": OK},
    "staff.admin_users": ADMIN_PAGE,
    "staff.admin_new_user": ADMIN_PAGE,
    "staff.admin_user": ADMIN_PAGE,
    "staff.admin_set_enabled": ADMIN_PAGE,
    "staff.admin_reset_mfa": ADMIN_PAGE,
    "staff.admin_temporary_password": ADMIN_PAGE,
    "staff.admin_audit": ADMIN_PAGE,
    "staff.admin_operations": ADMIN_PAGE,
    "staff.admin_republish": ADMIN_PAGE,
    "staff.admin_resend": ADMIN_PAGE,
    "staff.account": ANY_SIGNED_IN,
    "staff.password": ANY_SIGNED_IN,
    "staff.account_recovery_codes": ANY_SIGNED_IN,
    "staff.keepalive": ANY_SIGNED_IN,
    "staff.logout": ANY_SIGNED_IN,
    "staff.api_tokens": ANY_SIGNED_IN,
    "staff.revoke_api_token": TOKEN_OWNER_OR_ADMIN,
    "staff.notifications.alert": IN_QUEUE,
    "staff.notifications.acknowledge": IN_QUEUE,
    "staff.notifications.on_call_alert": CLINICAL_PAGE,  # paged from a draft: in no queue yet
    "staff.notifications.acknowledge_on_call": CLINICAL_PAGE,
    "staff.notifications.failed": ADMIN_PAGE,
    "staff.notifications.retry": ADMIN_PAGE,
}


def _staff_rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff")]


def _ours(endpoint: str) -> bool:
    """The console's views, including those of blueprints nested in it."""
    return endpoint.startswith("staff.")


def test_every_staff_endpoint_has_expectations(app: Flask) -> None:
    ours = {r.endpoint for r in _staff_rules(app) if _ours(r.endpoint)}
    assert ours - PUBLIC == set(EXPECTED), "add the new route to EXPECTED with who may use it"


def _outcome(status: int, location: str | None) -> str:
    if status == 302 and location and location.startswith("/staff/login"):
        return LOGIN
    if status in (403, 404):
        return str(status)
    assert status in (200, 204, 302), f"unexpected status {status}"
    return OK


@pytest.fixture
def world(app: Flask) -> dict[str, object]:
    people = {
        "coordinator": support.staff("intake_coordinator"),
        "clinician": support.staff("clinician", queues=("emdr",)),
        "other_clinician": support.staff("clinician", queues=("family",)),
        "admin": support.staff("admin"),
    }
    target = support.staff("clinician", queues=("emdr",), name="Target")
    referral = support.referral("emdr", status="in_review")
    queue_staff_alerts([referral])
    db.session.flush()
    alert = db.session.scalars(select(StaffAlert)).one()
    message = db.session.scalars(select(NotificationMessage)).first()
    assert message is not None, "the alert should have written a message to the coordinators"
    _draft, page = factories.paged_draft()
    token = factories.api_token(user=target, name="matrix")
    return {
        "people": people,
        "args": {
            "referral_id": referral.id,
            "queue": "emdr",
            "user_id": target.id,
            "alert_id": alert.id,
            "message_id": message.id,
            "page_id": page.id,
            "token_id": token.id,
            "row_id": factories.outbox_message().id,
        },
    }


def _url(app: Flask, rule: Rule, args: dict[str, object]) -> str:
    if not _ours(rule.endpoint):  # only the anonymous check: any id will do
        args = {**{a: uuid.uuid4() for a in rule.arguments if a.endswith("_id")}, **args}
    missing = set(rule.arguments) - set(args)
    assert not missing, f"{rule.rule}: give the matrix a sample value for {missing}"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{a: args[a] for a in rule.arguments})


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_principal_gets_exactly_what_it_may(
    app: Flask, client: FlaskClient, world: dict[str, object], principal: str
) -> None:
    people: dict[str, object] = world["people"]  # type: ignore[assignment]
    args: dict[str, object] = world["args"]  # type: ignore[assignment]
    if principal != "anonymous":
        support.sign_in(client, people[principal])  # type: ignore[arg-type]
    token = csrf_token(client, "/staff/login" if principal == "anonymous" else "/staff/account")
    seen = {}
    for rule in _staff_rules(app):
        if rule.endpoint in PUBLIC or rule.endpoint == "staff.logout":
            continue
        url = _url(app, rule, args)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        outcome = _outcome(response.status_code, response.location)
        if _ours(rule.endpoint):
            seen[rule.endpoint] = outcome
        elif principal == "anonymous":
            assert outcome == LOGIN, f"{rule.rule} ({rule.endpoint}) lets anonymous visitors in"
        db.session.rollback()
    expected = {e: EXPECTED[e][principal] for e in seen}
    assert seen == expected


def test_clinician_cannot_reach_another_queue_by_any_url(app: Flask, client: FlaskClient) -> None:
    clinician = support.staff("clinician", queues=("family",))
    hidden = support.referral("emdr", priority="urgent")
    visible = support.referral("family")
    support.sign_in(client, clinician)
    dashboard = client.get("/staff").get_data(as_text=True)
    assert str(visible.id)[:8] in dashboard and str(hidden.id)[:8] not in dashboard
    for url in (
        f"/staff/referrals/{hidden.id}",
        f"/staff/referrals/{hidden.id}/answers",
        "/staff/queues/emdr",
        "/staff/queues/emdr/export.csv",
        "/staff?queue=emdr",
    ):
        response = client.get(url)
        assert str(hidden.id)[:8] not in response.get_data(as_text=True), url
        assert response.status_code in (200, 403, 404), url
    overview = client.get("/staff/overview").get_data(as_text=True)
    assert "EMDR" not in overview
    assert client.get(f"/staff/referrals/{uuid.uuid4()}").status_code == 404


def test_the_console_front_door_sends_an_admin_to_the_accounts_page(
    app: Flask, client: FlaskClient
) -> None:
    support.sign_in(client, support.staff("admin"))
    response = client.get("/staff")
    assert (response.status_code, response.location) == (302, "/staff/admin/users")
    assert client.get("/staff/queues/dbt").status_code == 403
