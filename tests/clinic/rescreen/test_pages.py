"""The re-screen pages: prefer not to answer, Spanish, quick exit sends what was answered."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, Rescreen
from tests import factories
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

EMDR = {"safety.now": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}}


def _opened(app: Flask) -> FlaskClient:
    _, token = factories.rescreen_invitation(answers=EMDR)
    db.session.commit()
    browser = app.test_client()
    assert browser.get(f"/rescreen/{token}").status_code == 302
    return browser


def _only() -> Rescreen:
    db.session.expire_all()
    return db.session.scalars(select(Rescreen)).one()


def test_prefer_not_to_answer_is_kept_apart_from_an_answer(app: Flask) -> None:
    browser = _opened(app)
    data = {f"phq9.{n}": "0" for n in range(1, 11)} | {"phq9.3": "prefer_not_to_answer"}
    token = csrf_token(browser, "/rescreen/step/1")
    response = browser.post("/rescreen/step/1", data={**data, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/rescreen/step/2")
    answers = _only().answers["answers"]
    assert answers["phq9.3"] is None and answers["phq9.1"] == 0


def test_an_unanswered_question_is_named_at_the_top(app: Flask) -> None:
    browser = _opened(app)
    token = csrf_token(browser, "/rescreen/step/1")
    response = browser.post("/rescreen/step/1", data={"phq9.1": "0", "csrf_token": token})
    assert response.status_code == 200
    assert "Please check these answers" in response.text


def test_the_pages_speak_spanish(app: Flask) -> None:
    browser = _opened(app)
    token = csrf_token(browser, "/rescreen/step/1")
    switched = browser.post(
        "/intake/language",
        data={"language": "es", "next": "/rescreen/step/1", "csrf_token": token},
    )
    assert switched.location.endswith("/rescreen/step/1")
    page = browser.get("/rescreen/step/1")
    assert "Por qué preguntamos" in page.text
    assert 'lang="es"' in page.text


def test_quick_exit_sends_what_was_answered_and_ends_the_session(app: Flask) -> None:
    browser = _opened(app)
    token = csrf_token(browser, "/rescreen/step/1")
    data = {f"phq9.{n}": "0" for n in range(1, 11)} | {"phq9.9": "3"}
    assert browser.post("/rescreen/step/1", data={**data, "csrf_token": token}).location.endswith(
        "/rescreen/support"
    )

    left = browser.get("/intake/exit")
    assert left.status_code == 303
    rescreen = _only()
    assert rescreen.status == "submitted" and rescreen.browser_key_hash is None
    assert browser.get("/rescreen/step/1").status_code == 404
    submitted = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "rescreen.submitted")
    ).one()
    assert submitted.detail["via"] == "quick_exit"


def test_the_link_opens_in_the_language_the_client_chose_before(app: Flask) -> None:
    _, token = factories.rescreen_invitation(
        answers=EMDR, contact={**factories.safe_email_contact(), "language": "es"}
    )
    db.session.commit()
    browser = app.test_client()
    page = browser.get(browser.get(f"/rescreen/{token}").location)
    assert "Por qué preguntamos" in page.text
