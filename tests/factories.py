"""Test data made through the same service functions the app uses."""

from __future__ import annotations

from typing import Any

from flask import current_app

from clinic.extensions import db
from clinic.intake.drafts import save_answers, start_draft
from clinic.intake.services import submit_intake
from clinic.models import IntakeSubmission, OnCallAlert, StaffUser
from clinic.notifications.on_call import alert_for
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


def paged_draft(
    answers: dict[str, int | None] | None = None,
) -> tuple[IntakeSubmission, OnCallAlert]:
    """A draft in which an acute answer was saved, so on-call was paged from it."""
    with current_app.test_request_context():
        draft = start_draft(path="adult_self", subject_age=34, language="en")
        save_answers(draft, answers or {"safety.now": 0})
    db.session.flush()
    page = alert_for(draft.id)
    assert page is not None, "the answers should have made the draft acute"
    return draft, page
