"""Fixtures of the notification tests: a real SMTP server, clinic settings, people."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, StaffUser
from clinic.models.columns import utcnow
from clinic.security import sessions
from clinic.settings.notification_settings import NotificationSettings, OnCallContact
from tests import factories
from tests.support.smtp import SmtpServer

CANARY_NAME = "Zebulon Canarywood"
CANARY_EMAIL = "zebulon.canary@example.org"
CANARY_PHONE = "+15550001234"


@pytest.fixture
def mail_app(app: Flask, smtp_server: SmtpServer) -> Flask:
    """The app sending email to the test's SMTP server."""
    app.config.update(smtp_server.mail_config())
    return app


def use_notification_settings(app: Flask, **values: Any) -> NotificationSettings:
    settings = app.extensions["clinic_settings"]
    notifications = dataclasses.replace(settings.notifications, **values)
    app.extensions["clinic_settings"] = dataclasses.replace(settings, notifications=notifications)
    return notifications


def on_call(
    name: str = "On-call", email: str | None = "oncall@example.org", sms: str | None = None
) -> OnCallContact:
    return OnCallContact(name=name, email=email, sms=sms)


def contact(
    *, email: bool = True, text: bool = False, mention_clinic: bool = False, **extra: Any
) -> dict[str, Any]:
    """A contact document as the intake writes it (canary details in it)."""
    document: dict[str, Any] = {
        "language": "en",
        "name": CANARY_NAME,
        "email": CANARY_EMAIL,
        "phone": CANARY_PHONE,
        "channels": {
            "email": {"allowed": email, "mention_clinic": mention_clinic},
            "phone": {"allowed": False, "leave_message": False, "mention_clinic": False},
            "text": {"allowed": text, "mention_clinic": mention_clinic},
        },
        "safe_times": [],
        "caregiver_contact_ok": None,
        "resume_email_ok": False,
    }
    document.update(extra)
    return document


def submission_with(contact_document: dict[str, Any] | None) -> IntakeSubmission:
    return factories.submitted_intake(contact=contact_document)


def referral_for(
    submission: IntakeSubmission, *, queue: str = "intake", priority: str = "priority"
) -> Referral:
    referral = Referral(
        submission_id=submission.id,
        queue=queue,
        rank=0,
        priority=priority,
        status="new",
        explanation={"rule_ids": ["test"], "facts": {}, "sentence": "test"},
    )
    db.session.add(referral)
    db.session.flush()
    return referral


def staff(email: str, role: str = "intake_coordinator", **extra: Any) -> StaffUser:
    return factories.staff_user(email=email, display_name=email.split("@")[0], role=role, **extra)


def sign_in_as(client: FlaskClient, user: StaffUser) -> None:
    """A signed-in session (both factors passed), as `sessions.sign_in` leaves it."""
    user.mfa_confirmed_at = utcnow()
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[sessions.SEEN] = time.time()
        session[sessions.SIGNED_IN_AT] = time.time()
