"""Re-screen invitations: due after the cadence, once, by a safe channel only; the
one-time link opens once, before it expires, and cannot be guessed."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import IntakeSubmission, NotificationMessage, OutboxMessage, RescreenInvitation
from clinic.models.columns import utcnow
from clinic.notifications.render import render
from clinic.rescreen import invitations
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}
EMDR = {"safety.now": 1, **PTSD_POSITIVE}


def _invitations() -> list[RescreenInvitation]:
    return list(db.session.scalars(select(RescreenInvitation)))


def _routed(**overrides: object) -> tuple[object, object]:
    overrides.setdefault("contact", factories.safe_email_contact())
    overrides.setdefault("answers", EMDR)
    submission = factories.routed_intake(**overrides)
    assert submission.client_id is not None
    return submission, submission.client_id


def test_nobody_is_invited_before_the_cadence_and_once_after_it(app: Flask) -> None:
    submission, client_id = _routed()
    assert [r.queue for r in submission.referrals] == ["emdr"]  # type: ignore[attr-defined]
    day_13 = utcnow() + timedelta(days=13)
    day_15 = utcnow() + timedelta(days=15)

    assert invitations.invite_if_due(client_id, day_13) is None  # type: ignore[arg-type]
    token = invitations.invite_if_due(client_id, day_15)  # type: ignore[arg-type]
    assert token is not None
    assert invitations.invite_if_due(client_id, day_15) is None  # type: ignore[arg-type]
    assert invitations.invite_if_due(client_id, day_15 + timedelta(days=13)) is None  # type: ignore[arg-type]

    [invitation] = _invitations()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 bytes from `secrets`: 256 bits
    assert invitation.expires_at == day_15 + timedelta(days=7)
    [message] = db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.template == "client_rescreen")
    )
    assert message.status == "pending" and message.channel == "email"
    assert message.payload["values"]["link"] == f"http://127.0.0.1:5000/rescreen/{token}"
    assert db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == TaskNames.SEND_NOTIFICATION,
            OutboxMessage.target_id == str(message.id),
        )
    ).one()
    # The next round comes a cadence after the last invitation.
    assert invitations.invite_if_due(client_id, day_15 + timedelta(days=14)) is not None  # type: ignore[arg-type]
    assert sorted(i.round for i in _invitations()) == [1, 2]


def test_a_client_who_chose_no_contact_is_never_invited(app: Flask) -> None:
    no_contact = {
        **factories.safe_email_contact(),
        "channels": {
            "email": {"allowed": False, "mention_clinic": False},
            "phone": {"allowed": False, "leave_message": False, "mention_clinic": False},
            "text": {"allowed": False, "mention_clinic": False},
        },
    }
    _, client_id = _routed(contact=no_contact)

    assert invitations.invite_if_due(client_id, utcnow() + timedelta(days=60)) is None  # type: ignore[arg-type]
    assert invitations.invite_due_clients(utcnow() + timedelta(days=60)) == 0
    assert _invitations() == []
    assert (
        db.session.scalars(
            select(NotificationMessage).where(NotificationMessage.template == "client_rescreen")
        ).all()
        == []
    )


def test_invitations_stop_once_the_referral_is_scheduled(app: Flask) -> None:
    submission, client_id = _routed()
    for referral in submission.referrals:  # type: ignore[attr-defined]
        referral.status = "scheduled"
    db.session.flush()
    assert invitations.invite_if_due(client_id, utcnow() + timedelta(days=30)) is None  # type: ignore[arg-type]


def test_a_queue_may_send_none_or_keep_its_own_cadence(app: Flask) -> None:
    from dataclasses import replace

    from clinic.settings.clinic_settings import clinic_settings

    settings = clinic_settings()
    app.extensions["clinic_settings"] = replace(
        settings, rescreen=replace(settings.rescreen, queue_every_days={"emdr": None})
    )
    _, client_id = _routed()
    assert invitations.invite_if_due(client_id, utcnow() + timedelta(days=60)) is None  # type: ignore[arg-type]

    app.extensions["clinic_settings"] = replace(
        settings, rescreen=replace(settings.rescreen, queue_every_days={"emdr": 3})
    )
    assert invitations.invite_if_due(client_id, utcnow() + timedelta(days=4)) is not None  # type: ignore[arg-type]


def test_the_link_opens_once(app: Flask) -> None:
    _, token = factories.rescreen_invitation(answers=EMDR)
    browser = app.test_client()

    opened = browser.get(f"/rescreen/{token}")
    assert opened.status_code == 302 and opened.location.endswith("/rescreen/step/1")
    first_screen = browser.get(opened.location)
    assert first_screen.status_code == 200
    assert "Leave this site quickly" in first_screen.text

    again = app.test_client().get(f"/rescreen/{token}")
    assert again.status_code == 404
    assert "This link does not work any more" in again.text


def test_an_expired_or_guessed_link_opens_nothing(app: Flask) -> None:
    submission, client_id = _routed()
    month_ago = utcnow() - timedelta(days=30)
    submission.submitted_at = month_ago  # type: ignore[attr-defined]
    db.session.flush()
    token = invitations.invite_if_due(client_id, month_ago + timedelta(days=21))  # type: ignore[arg-type]
    assert token is not None  # sent 9 days ago: its 7 days are over
    browser = app.test_client()
    for tried in (token, token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43, "a" * 200):
        response = browser.get(f"/rescreen/{tried}")
        assert response.status_code == 404, tried
        assert "This link does not work any more" in response.text
    [invitation] = _invitations()
    assert invitation.used_at is None


def test_the_re_screen_shows_nothing_of_the_first_intake(app: Flask) -> None:
    invitation, token = factories.rescreen_invitation(answers={**EMDR, "phq9.1": 3})
    intake = db.session.get(IntakeSubmission, invitation.submission_id)
    assert intake is not None and intake.reference is not None
    browser = app.test_client()
    page = browser.get(browser.get(f"/rescreen/{token}").location)
    assert page.status_code == 200
    assert intake.reference not in page.text
    assert "client@example.org" not in page.text
    assert "checked>" not in page.text and " checked " not in page.text.replace(
        "you checked off", ""
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_invitation_carries_the_link_and_no_clinical_detail(app: Flask, language: str) -> None:
    _, token = factories.rescreen_invitation(
        answers=EMDR, contact={**factories.safe_email_contact(), "language": language}
    )
    message = db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.template == "client_rescreen")
    ).one()
    assert message.language == language
    rendered = render("client_rescreen", language, "email", message.payload["values"])
    text = f"{rendered.subject}\n{rendered.text}\n{rendered.html}".lower()
    assert token.lower() in text
    for word in ("phq", "gad", "depres", "anxi", "suicid", "trauma", "emdr", "therap", "mental"):
        assert word not in text
