"""The start page: what the form is, consent, and the path and age choice."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.intake.drafts import SESSION_DRAFT
from clinic.models import IntakeSubmission
from tests.clinic.intake.helpers import audit_actions, only_submission
from tests.clinic.intake.walker import IntakeWalker

pytestmark = pytest.mark.usefixtures("app_context")


def test_start_page_says_what_the_form_is_and_who_reads_it(client: FlaskClient) -> None:
    response = client.get("/intake")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for words in (
        "It is not a test",
        "about 15 to 25 minutes",
        "Only our intake team",
        "within 2 working days",
        "Save and come back later",
        "Prefer not to answer",
        "Leave this site quickly",
        "Call or text 988",
        "privacy notice (version 2026-11)",
        'href="/intake/privacy"',
        "Who is this form about?",
    ):
        assert words in page, words


def test_consent_is_required_and_nothing_is_stored_without_it(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30, consent=False)
    assert walker.path == "/intake"
    assert "please tick the box to say you agree" in walker.html
    assert 'class="error-summary"' in walker.html
    assert '<a href="#consent">' in walker.html
    assert db.session.scalars(select(IntakeSubmission)).all() == []


def test_starting_records_consent_and_keeps_only_the_draft_id_in_the_session(
    app: Flask, client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.start("teen_self", 15)
    draft = only_submission()
    assert walker.path == "/intake/step/1"
    assert (draft.status, draft.path, draft.consent_version) == ("draft", "teen_self", "2026-11")
    assert draft.consented_at is not None
    assert draft.answers == {"subject_age": 15, "sex": None, "answers": {}}
    assert draft.contact["channels"]["phone"]["allowed"] is False
    assert draft.draft_expires_at is not None
    assert (draft.draft_expires_at - draft.consented_at).days == 14
    with client.session_transaction() as session:
        draft_id, _, key = session[SESSION_DRAFT].partition(":")
        assert set(session) <= {"_fresh", "csrf_token", SESSION_DRAFT}
    assert draft_id == str(draft.id)
    assert len(key) >= 40 and draft.browser_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert audit_actions() == ["draft.started"]


def test_age_must_fit_the_path(walker: IntakeWalker) -> None:
    cases = {
        ("adult_self", 15): "please choose “Me – I am 12 to 17 years old”",
        ("teen_self", 19): "please choose “Me – I am 18 or older”",
        ("teen_self", 9): "This form is for ages 12 to 17",
        ("caregiver_child", 30): "for children up to 17",
    }
    for (path, age), message in cases.items():
        walker.start(path, age)
        assert walker.path == "/intake", (path, age)
        assert message in walker.html, (path, age)
    walker.get("/intake")
    form_page = walker.html
    assert "How old are you, or the child you care for?" in form_page
    assert db.session.scalars(select(IntakeSubmission)).all() == []


@pytest.mark.parametrize("age", ["thirty", "\u00b9\u2078"])  # "¹⁸": digits to str.isdigit only
def test_an_age_that_is_not_a_number_is_explained(walker: IntakeWalker, age: str) -> None:
    walker.get("/intake")
    token = walker.html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    walker.post("/intake", {"csrf_token": token, "path": "adult_self", "subject_age": age})
    assert "Please give an age in whole years" in walker.html


def test_a_form_in_progress_is_offered_on_the_start_page(walker: IntakeWalker) -> None:
    walker.start("adult_self", 40)
    walker.get("/intake")
    assert "You have a form in progress" in walker.html
    assert 'href="/intake/continue"' in walker.html


def test_privacy_notice_and_safety_tips_pages(client: FlaskClient) -> None:
    privacy = client.get("/intake/privacy").get_data(as_text=True)
    assert "Version 2026-11" in privacy
    assert "deleted 14 days after you last saved it" in privacy
    tips = client.get("/intake/safety-tips").get_data(as_text=True)
    assert "does not clear your browser history" in tips
