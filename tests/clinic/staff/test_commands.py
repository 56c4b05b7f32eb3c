"""`flask staff create / disable / enable / reset-mfa`."""

from __future__ import annotations

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.models import StaffUser
from clinic.staff.services import find_by_email
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")


def _run(app: Flask, *args: str, input: str | None = None) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    return result.exit_code, result.output


def test_create_refuses_a_common_password_and_accepts_a_good_one(app: Flask) -> None:
    base = [
        "staff",
        "create",
        "--email",
        "Cli@Example.org",
        "--name",
        "Cli",
        "--role",
        "clinician",
        "--queue",
        "emdr",
        "--queue",
        "dbt",
    ]
    code, output = _run(app, *base, "--password", "password12345")
    assert code == 1 and "too common" in output
    code, output = _run(app, *base, "--admin", "--password", "violet kettle harbour 42")
    assert code == 0, output
    user = find_by_email("cli@example.org")
    assert (
        user is not None and user.queues == ["dbt", "emdr"] and user.roles == {"clinician", "admin"}
    )
    assert not user.has_mfa


def test_disable_ends_sessions_and_reset_mfa_forgets_the_app(app: Flask) -> None:
    user = support.staff()
    version = user.session_version
    assert _run(app, "staff", "disable", "--email", user.email)[0] == 0
    db.session.expire_all()
    user = db.session.get(StaffUser, user.id)
    assert not user.is_enabled and user.session_version == version + 1
    assert _run(app, "staff", "enable", "--email", user.email)[0] == 0
    assert _run(app, "staff", "reset-mfa", "--email", user.email)[0] == 0
    db.session.expire_all()
    user = db.session.get(StaffUser, user.id)
    assert user.is_enabled and not user.has_mfa and user.mfa_secret is None
    assert _run(app, "staff", "disable", "--email", "nobody@example.org")[0] == 1
