"""`flask demo setup` and `flask demo logins`: demo staff and synthetic intakes."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.development.demo_cli import DEMO_DOMAIN, SYNTHETIC
from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, StaffUser
from clinic.models.documents import contact_of
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from clinic.security.passwords import verify_password
from referrals.queues import QUEUES

pytestmark = pytest.mark.usefixtures("app_context")


def _run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_the_first_run_makes_demo_staff_and_routed_intakes_across_paths_and_priorities(
    app: Flask,
) -> None:
    code, output = _run(app, "demo", "setup")
    assert code == 0, output
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    assert all(user.email.endswith(f"@{DEMO_DOMAIN}") for user in users)
    clinicians = {q for user in users if user.role == "clinician" for q in user.queues}
    assert clinicians == set(QUEUES) - {"intake"}  # one per specialist queue
    assert output.count("┌") == 1 and output.count("└") == 1  # the logins, in one box
    for user in users:
        password = next(
            line.split()[2] for line in output.splitlines() if f" {user.email} " in line
        )
        assert verify_password(user.password_hash, password)

    intakes = db.session.scalars(select(IntakeSubmission)).all()
    assert len(intakes) == len(SYNTHETIC) == 12
    for intake in intakes:
        contact = contact_of(intake)
        assert contact is not None and contact.name and "DEMO" in contact.name
        with unit_of_work():  # as the worker routes them
            record_routing(str(intake.id))
    referrals = db.session.scalars(select(Referral)).all()
    assert {r.priority for r in referrals} == {"urgent", "priority", "routine"}
    assert {i.path for i in intakes} == {"adult_self", "teen_self", "caregiver_child"}

    assert _run(app, "demo", "setup") == (0, "")  # first run only
    code, again = _run(app, "demo", "logins")
    logins = {line for line in output.splitlines() if "@" in line}
    assert code == 0 and {line for line in again.splitlines() if "@" in line} == logins


def test_the_demo_is_refused_in_production(app: Flask) -> None:
    app.config["APP_ENV"] = "production"
    for command in ("setup", "logins"):
        code, output = _run(app, "demo", command)
        assert code == 1 and "development only" in output
    assert db.session.scalar(select(StaffUser)) is None
