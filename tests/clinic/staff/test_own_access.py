"""Nobody changes their own role, queues or administrator flag, nor disables their own
account; the last active administrator can be neither disabled nor demoted. Each refusal
is audited and explained in plain words, and nothing changes."""

from __future__ import annotations

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, StaffUser
from clinic.staff.services import RefusedChange, update_access
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")


def _post_access(client: FlaskClient, user: StaffUser, **fields: object) -> str:
    url = f"/staff/admin/users/{user.id}"
    data = {"csrf_token": csrf_token(client, url), **fields}
    return client.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def _disable(client: FlaskClient, user: StaffUser) -> str:
    url = f"/staff/admin/users/{user.id}"
    data = {"csrf_token": csrf_token(client, url), "enabled": "0"}
    return client.post(f"{url}/enabled", data=data, follow_redirects=True).get_data(as_text=True)


def _refusals(user: StaffUser) -> list[object]:
    return [
        event.detail.get("reason")
        for event in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "staff.access_change_refused",
                AuditEvent.target_id == str(user.id),
            )
        )
    ]


def _fresh(user: StaffUser) -> StaffUser:
    db.session.expire_all()
    found = db.session.get(StaffUser, user.id)
    assert found is not None
    return found


def test_an_admin_cannot_give_itself_a_clinical_role(client: FlaskClient) -> None:
    admin = support.staff("admin")
    support.staff("admin")  # not the last admin: only the own-access rule refuses
    support.sign_in(client, admin)
    page = _post_access(client, admin, role="intake_coordinator", is_admin="y")
    assert "You cannot change your own role, queues or administrator access" in page
    assert _fresh(admin).role == "admin"
    assert _refusals(admin) == ["own_access"]


def test_an_admin_clinician_cannot_add_queues_or_drop_its_flag(client: FlaskClient) -> None:
    me = support.staff("clinician", queues=("intake",), is_admin=True)
    support.staff("admin")
    support.sign_in(client, me)
    _post_access(client, me, role="clinician", is_admin="y", queues=["intake", "dbt"])
    _post_access(client, me, role="clinician", queues=["intake"])
    after = _fresh(me)
    assert (after.queues, after.is_admin) == (["intake"], True)
    assert _refusals(me) == ["own_access", "own_access"]


def test_the_own_account_page_offers_no_access_form(client: FlaskClient) -> None:
    admin = support.staff("admin")
    support.sign_in(client, admin)
    page = client.get(f"/staff/admin/users/{admin.id}").get_data(as_text=True)
    assert "Save access" not in page and "another administrator can" in page


def test_an_admin_cannot_disable_itself(client: FlaskClient) -> None:
    admin = support.staff("admin")
    support.staff("admin")
    support.sign_in(client, admin)
    assert "nor disable your own account" in _disable(client, admin)
    assert _fresh(admin).is_enabled
    assert _refusals(admin) == ["own_account"]


def test_the_last_active_admin_cannot_be_disabled(app: Flask) -> None:
    last = support.staff("admin")
    retired = support.staff("admin")
    retired.is_enabled = False
    db.session.commit()
    refused: Result = app.test_cli_runner().invoke(args=["staff", "disable", "--email", last.email])
    assert refused.exit_code != 0 and "last active administrator" in refused.output
    assert _fresh(last).is_enabled
    support.staff("clinician", is_admin=True)
    done = app.test_cli_runner().invoke(args=["staff", "disable", "--email", last.email])
    assert done.exit_code == 0, done.output
    assert not _fresh(last).is_enabled


def test_the_last_active_admin_cannot_be_demoted() -> None:
    last = support.staff("clinician", queues=("intake",), is_admin=True)
    coordinator = support.staff("intake_coordinator")
    with pytest.raises(RefusedChange, match="last active administrator"):
        update_access(last, role="clinician", is_admin=False, queues=("intake",), actor=coordinator)
    assert _refusals(last) == ["last_admin"]
    assert _fresh(last).is_admin
