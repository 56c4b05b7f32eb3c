"""Test data made through the same service functions the app uses."""

from __future__ import annotations

from typing import Any

from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import IntakeSubmission, StaffUser
from clinic.staff.services import create_staff_user

STAFF_PASSWORD = "correct horse battery staple"


def submitted_intake(**overrides: Any) -> IntakeSubmission:
    values: dict[str, Any] = {
        "path": "adult_self",
        "subject_age": 34,
        "answers": {"safety.now": 1},
        "contact": {"email": "client@example.org"},
    }
    values.update(overrides)
    submission = submit_intake(**values)
    db.session.flush()
    return submission


def staff_user(**overrides: Any) -> StaffUser:
    values: dict[str, Any] = {
        "email": "coordinator@example.org",
        "display_name": "Coordinator",
        "password": STAFF_PASSWORD,
        "role": "intake_coordinator",
    }
    values.update(overrides)
    user = create_staff_user(**values)
    db.session.flush()
    return user
