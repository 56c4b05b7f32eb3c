"""Quick exit leaves nothing readable: the form's browser session ends on the server, the
session is emptied and the browser is asked to drop this site's data. The draft stays
saved and opens again only with its resume code."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.intake import drafts
from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.test_save_and_resume import resume_by_code, save_for_later
from tests.clinic.intake.walker import IntakeWalker, page_forms

pytestmark = pytest.mark.usefixtures("app_context")

EMAIL = "robin.private@example.org"


def _session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie is not None else None


def _with_contact_and_answers(walker: IntakeWalker) -> None:
    walker.start("adult_self", 33)
    walker.contact(email_allowed="y", email=EMAIL, name="Robin")
    walker.about()
    walker.walk_to("rel")
    if walker.on_note():
        walker.note()
    assert walker.screen() is not None and walker.screen() != "contact"


def test_quick_exit_goes_to_the_neutral_site_and_asks_the_browser_to_drop_the_sites_data(
    client: FlaskClient, walker: IntakeWalker
) -> None:
    _with_contact_and_answers(walker)
    updated_at = only_submission().updated_at
    response = client.get("/intake/exit")
    assert response.status_code == 303
    assert response.location == "https://weather.com"
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert _session_cookie(client) is None  # the session cookie is deleted

    draft = only_submission()
    assert draft.status == "draft" and draft.browser_key_hash is None
    assert draft.contact["email"] == EMAIL and draft.answers["answers"]  # still saved
    assert draft.updated_at == updated_at  # leaving is not activity (the sweep's clock)

    start = walker.get("/intake").get_data(as_text=True)
    assert "You have a form in progress" not in start
    for url in ("/intake/step/1", "/intake/step/3", "/intake/continue", "/intake/review"):
        walker.get(url)
        assert walker.path == "/intake", url
        assert EMAIL not in walker.html and "Robin" not in walker.html


def test_a_copy_of_the_old_cookie_no_longer_opens_the_form(
    app: Flask, client: FlaskClient, walker: IntakeWalker
) -> None:
    _with_contact_and_answers(walker)
    old_cookie = _session_cookie(client)
    assert old_cookie is not None
    client.get("/intake/exit")

    other = app.test_client()
    other.set_cookie("session", old_cookie)
    page = other.get("/intake").get_data(as_text=True)
    assert "You have a form in progress" not in page
    response = other.get("/intake/step/1")
    assert response.status_code == 302 and response.location == "/intake"


def test_after_quick_exit_the_resume_code_still_opens_the_draft(
    app: Flask, walker: IntakeWalker
) -> None:
    _with_contact_and_answers(walker)
    code = save_for_later(walker)
    assert walker.client.get("/intake/exit").location == "https://weather.com"
    assert only_submission().browser_key_hash is None

    again = IntakeWalker(app.test_client())
    resume_by_code(again, code)
    assert again.path.startswith("/intake/step/")
    again.get("/intake/step/2")  # the email screen follows the ways chosen
    assert EMAIL in again.html  # the client who has the code sees their own answers


def test_resuming_in_another_browser_ends_the_first_browsers_session(
    app: Flask, walker: IntakeWalker
) -> None:
    _with_contact_and_answers(walker)
    code = save_for_later(walker)
    second = IntakeWalker(app.test_client())
    resume_by_code(second, code)
    walker.get("/intake/step/1")
    assert walker.path == "/intake"
    assert EMAIL not in walker.html


def test_closing_the_form_on_this_device_ends_its_session_on_the_server_too(
    app: Flask, client: FlaskClient, walker: IntakeWalker
) -> None:
    _with_contact_and_answers(walker)
    save_for_later(walker)
    old_cookie = _session_cookie(client)
    assert old_cookie is not None
    close = next(f for f in page_forms(walker.html) if f.action == "/intake/close")
    walker.post(close.action, close.hidden)
    assert "The form is closed on this device." in walker.html
    assert only_submission().browser_key_hash is None

    other = app.test_client()
    other.set_cookie("session", old_cookie)
    assert other.get("/intake/step/1").location == "/intake"


def test_quick_exit_without_a_form_still_leaves(client: FlaskClient) -> None:
    response = client.get("/intake/exit")
    assert response.status_code == 303 and response.location == "https://weather.com"
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_a_session_without_the_key_opens_nothing(app: Flask, walker: IntakeWalker) -> None:
    walker.start("adult_self", 33)
    draft = only_submission()
    other = app.test_client()
    with other.session_transaction() as session:
        session[drafts.SESSION_DRAFT] = str(draft.id)  # the id alone, as sessions once held
    assert other.get("/intake/step/1").location == "/intake"
    with other.session_transaction() as session:
        session[drafts.SESSION_DRAFT] = f"{draft.id}:not-the-key"
    assert other.get("/intake/step/1").location == "/intake"


def test_quick_exit_from_an_acute_draft_submits_it_for_urgent_routing(
    client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 33)
    walker.walk_to("safety")
    walker.answer({"safety.now": 0})
    assert walker.path == "/intake/support"

    assert client.get("/intake/exit").status_code == 303

    submission = only_submission()
    assert (submission.status, submission.submitted_partial) == ("submitted", True)
    assert submission.browser_key_hash is None


def test_quick_exit_from_a_suicide_risk_draft_leaves_it_for_the_sweep(
    client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 33)
    walker.walk_to("phq9")
    walker.note()
    walker.answer({"phq9.9": 1})
    assert walker.path == "/intake/support"

    client.get("/intake/exit")

    assert only_submission().status == "draft"  # sent after the quiet minutes
