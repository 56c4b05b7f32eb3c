"""Save and come back later: the code and link, emailing the link, resuming, expiry."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.intake import codes
from clinic.models import IntakeSubmission, OutboxMessage
from clinic.models.notification import NotificationMessage
from clinic.notifications.render import render
from tests.clinic.intake.helpers import audit_actions, only_submission, outbox_rows
from tests.clinic.intake.walker import IntakeWalker, page_forms

CODE = re.compile(r'<p class="code" lang="en" translate="no">([0-9A-Z-]+)</p>')
LINK = re.compile(r'<p class="link"><a href="([^"]+)"')
NOT_FOUND = "We could not find a saved form with that code."


def save_for_later(
    walker: IntakeWalker, answers: dict[str, object] | None = None, leave_out: tuple[str, ...] = ()
) -> str:
    walker.answer(answers, action="save", leave_out=leave_out)
    assert walker.path == "/intake/saved"
    match = CODE.search(walker.html)
    assert match, walker.html
    return match.group(1)


def test_resume_codes_are_unguessable_and_forgiving_to_type() -> None:
    code = codes.new_code()
    assert len(code) == 26 and len(codes.ALPHABET) == 32  # 130 random bits
    assert codes.new_code() != code
    grouped = codes.grouped(code)
    assert codes.normalise(grouped.lower()) == code
    assert codes.normalise(" " + grouped.replace("-", " ") + " ") == code
    assert codes.normalise("O" + code[1:]) == codes.normalise("0" + code[1:])
    assert codes.normalise(code[:-1]) is None
    assert codes.normalise(code[:-1] + "U") is None


def resume_by_code(browser: IntakeWalker, code: str) -> None:
    """Type `code` on the resume page and press Continue, as a client without JavaScript does."""
    browser.get("/intake/resume")
    form = next(f for f in page_forms(browser.html) if f.action == "/intake/resume")
    browser.post(form.action, {**form.hidden, "code": code})


@pytest.mark.usefixtures("app_context")
def test_saving_shows_a_code_and_link_and_stores_only_their_hash(
    walker: IntakeWalker, client: FlaskClient
) -> None:
    walker.start("adult_self", 52)
    walker.walk_to("apgar")
    code = save_for_later(walker, {"apgar.1": 2})
    page = walker.html
    compact = code.replace("-", "")
    assert f'href="http://127.0.0.1:5000/intake/resume#{compact}"' in page
    assert "Keep it somewhere private" in page
    assert "for 14 days after you last save them" in page
    draft = only_submission()
    assert draft.resume_code_hash == hashlib.sha256(compact.encode()).hexdigest()
    assert draft.answers["answers"]["apgar.1"] == 2  # the screen's answers were kept
    stored = db.session.execute(select(IntakeSubmission.__table__)).mappings().one()
    assert compact not in str(dict(stored))
    # For privacy the code is shown once: the page shown again offers a new one instead.
    again = client.get("/intake/saved").get_data(as_text=True)
    assert not CODE.search(again) and "Get a new code" in again
    assert "draft.resume_code_issued" in audit_actions()


@pytest.mark.usefixtures("app_context")
def test_a_draft_saved_closed_and_resumed_by_code_loses_nothing(
    app: Flask, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 52)
    walker.walk_to("phq9")
    walker.note()
    code = save_for_later(walker, {"phq9.1": 3, "phq9.5": 0}, leave_out=("phq9.4",))
    close = next(f for f in page_forms(walker.html) if f.action.endswith("/close"))
    walker.post(close.action, close.hidden)
    assert walker.path == "/intake"
    walker.get("/intake/continue")
    assert walker.path == "/intake"  # this browser has forgotten the form

    other_browser = IntakeWalker(app.test_client())
    other_browser.get("/intake/resume")
    form = page_forms(other_browser.html)[-1]
    other_browser.post(form.action, {**form.hidden, "code": code.lower().replace("-", " ")})
    assert other_browser.screen() == "phq9", (other_browser.path, other_browser.heading())
    assert "Welcome back" in other_browser.html
    assert re.search(r'id="phq9\.1-3"[^>]*checked|checked[^>]*id="phq9\.1-3"', other_browser.html)
    assert only_submission().answers["answers"]["phq9.5"] == 0
    assert "phq9.4" not in only_submission().answers["answers"]
    assert "draft.resumed" in audit_actions()


@pytest.mark.usefixtures("app_context")
def test_the_resume_link_carries_the_code_only_after_the_hash(walker: IntakeWalker) -> None:
    walker.start("adult_self", 52)
    code = save_for_later(walker)
    match = LINK.search(walker.html)
    assert match, walker.html
    link = urlsplit(match.group(1))
    assert (link.scheme, link.netloc, link.path, link.query) == (
        "http",
        "127.0.0.1:5000",
        "/intake/resume",
        "",
    )
    assert link.fragment == code.replace("-", "")  # never sent to the server
    assert code.replace("-", "") not in link.path


@pytest.mark.usefixtures("app_context")
def test_the_resume_links_page_is_the_code_form_and_its_code_opens_the_first_unfinished_screen(
    app: Flask, walker: IntakeWalker
) -> None:
    walker.start("caregiver_child", 9)
    walker.walk_to("apgar")
    code = save_for_later(walker, leave_out=("apgar.5",))
    match = LINK.search(walker.html)
    assert match, walker.html
    link = urlsplit(match.group(1))
    assert link.fragment == code.replace("-", "")
    other_browser = IntakeWalker(app.test_client())
    other_browser.get(link.path)  # what the server is asked for: no code
    assert other_browser.response is not None and other_browser.response.status_code == 200
    assert re.search(r"<form [^>]*data-resume-form", other_browser.html)
    assert 'name="code"' in other_browser.html
    form = next(f for f in page_forms(other_browser.html) if f.action == "/intake/resume")
    response = other_browser.client.post(form.action, data={**form.hidden, "code": link.fragment})
    assert response.status_code == 302
    assert response.location == "/intake/step/6"  # no code and no answer in the address
    other_browser.get(response.location)
    assert other_browser.screen() == "apgar"
    assert "Welcome back" in other_browser.html


@pytest.mark.usefixtures("app_context")
def test_there_is_no_resume_address_with_the_code_in_its_path(
    app: Flask, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 52)
    code = save_for_later(walker)
    other = app.test_client()
    for typed in (code, code.replace("-", "")):
        response = other.get(f"/intake/resume/{typed}")
        assert response.status_code == 404
        assert "Welcome back" not in response.get_data(as_text=True)
    assert "draft.resumed" not in audit_actions()


@pytest.mark.usefixtures("app_context")
def test_a_wrong_or_replaced_code_opens_nothing(app: Flask, walker: IntakeWalker) -> None:
    walker.start("adult_self", 52)
    walker.contact()
    old = save_for_later(walker)
    walker.get("/intake/saved")
    form = next(f for f in page_forms(walker.html) if f.action.endswith("/saved/new-code"))
    walker.post(form.action, form.hidden)
    new = CODE.search(walker.html)
    assert new and new.group(1) != old
    other = IntakeWalker(app.test_client())
    for wrong in (old, "A" * 26):
        resume_by_code(other, wrong)
        assert other.path == "/intake/resume"
        assert NOT_FOUND in other.html
        assert "Saved forms are deleted after a while" in other.html
    resume_by_code(other, new.group(1))
    assert other.screen() == "safety"


@pytest.mark.usefixtures("app_context")
def test_an_expired_draft_cannot_be_resumed(app: Flask, walker: IntakeWalker) -> None:
    walker.start("adult_self", 52)
    code = save_for_later(walker)
    draft = only_submission()
    draft.draft_expires_at = draft.draft_expires_at - timedelta(days=15)
    db.session.commit()
    other = IntakeWalker(app.test_client())
    resume_by_code(other, code)
    assert other.path == "/intake/resume" and NOT_FOUND in other.html
    walker.get("/intake/continue")
    assert walker.path == "/intake"
    assert "Saved answers are deleted after a while" in walker.html


@pytest.mark.usefixtures("app_context")
def test_the_link_is_emailed_only_to_an_address_given_as_safe(
    walker: IntakeWalker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    walker.start("adult_self", 52)
    walker.contact(email_allowed="y", email="someone@example.org")
    save_for_later(walker)
    page = walker.html
    assert "someone@example.org" in page
    form = next(f for f in page_forms(walker.html) if f.action.endswith("/saved/email"))
    walker.post(form.action, form.hidden)  # the safety box not ticked: nothing sent
    assert "only if it is safe for us to email this address" in walker.html
    assert db.session.scalars(select(NotificationMessage)).all() == []

    form = next(f for f in page_forms(walker.html) if f.action.endswith("/saved/email"))
    walker.post(form.action, {**form.hidden, "safe": "y"})
    assert "We will email the link to you" in walker.html
    assert CODE.search(walker.html)  # the code is still on the page
    draft = only_submission()
    assert draft.contact["resume_email_ok"] is True
    [message] = db.session.scalars(select(NotificationMessage)).all()
    assert (message.channel, message.template) == ("email", "client_resume_link")
    assert message.payload["to"] == "someone@example.org"
    values = message.payload["values"]
    link = urlsplit(values["link"])
    assert (link.path, link.query) == ("/intake/resume", "")
    compact = link.fragment
    assert codes.code_hash(compact) == draft.resume_code_hash
    assert values["code"] == codes.grouped(compact)
    assert values["page"] == "http://127.0.0.1:5000/intake/resume"
    [sending] = [row for row in outbox_rows() if row.target_id == str(message.id)]
    assert sending.status == "pending"  # published after the commit; done once sent
    # The code is only in the encrypted payload: not in what goes to the broker (the
    # outbox rows), the message row's key, or any log line.
    published = str(db.session.execute(select(OutboxMessage.__table__)).mappings().all())
    assert str(message.id) in published
    for secret in (compact, codes.grouped(compact)):
        assert secret not in published
        assert secret not in message.event
        assert secret not in (message.payload_encrypted or "")
        assert secret not in caplog.text

    email = render(message.template, message.language, message.channel, values)
    typing_line = (
        "If the link does not open your form, go to http://127.0.0.1:5000/intake/resume "
        f"and type this code:\n{codes.grouped(compact)}\n"
    )
    assert typing_line in email.text
    assert email.html is not None and codes.grouped(compact) in email.html


@pytest.mark.usefixtures("app_context")
def test_no_email_is_offered_when_email_is_not_a_safe_way_to_contact(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 52)
    walker.contact(phone_allowed="y", phone="555 123 4567")
    save_for_later(walker)
    assert "We only send email if you told us it is a safe way to contact you" in walker.html
    assert not any(f.action.endswith("/saved/email") for f in page_forms(walker.html))


def _session_text(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    with client.session_transaction() as session:
        return f"{cookie.value if cookie else ''} {dict(session)}"


@pytest.mark.usefixtures("app_context")
def test_the_resume_code_never_travels_in_the_session_cookie(
    walker: IntakeWalker, client: FlaskClient
) -> None:
    """The session cookie is signed, not encrypted: anyone holding it can read it. A code
    is shown on the very response that makes (or emails) it, and only there."""
    walker.start("adult_self", 52)
    walker.contact(email_allowed="y", email="someone@example.org")
    first = save_for_later(walker).replace("-", "")
    assert first not in _session_text(client)
    form = next(f for f in page_forms(walker.html) if f.action.endswith("/saved/email"))
    emailed = client.post(form.action, data={**form.hidden, "safe": "y"})
    assert emailed.status_code == 200 and CODE.search(emailed.get_data(as_text=True))
    assert first not in _session_text(client)
    again = client.get("/intake/saved").get_data(as_text=True)
    assert not CODE.search(again), "each code is shown once"
    form = next(f for f in page_forms(again) if f.action.endswith("/saved/new-code"))
    made = client.post(form.action, data=form.hidden)
    shown = CODE.search(made.get_data(as_text=True))
    assert made.status_code == 200 and shown, "a new code is shown on the response that makes it"
    assert shown.group(1).replace("-", "") not in _session_text(client)


@pytest.mark.usefixtures("app_context")
def test_without_a_base_url_the_resume_link_is_on_the_address_the_client_used(
    app: Flask, walker: IntakeWalker
) -> None:
    app.config["CLINIC_BASE_URL"] = ""
    walker.start("adult_self", 52)  # the test client asks for http://localhost/...
    walker.walk_to("safety")
    code = save_for_later(walker)
    assert f'href="http://localhost/intake/resume#{code.replace("-", "")}"' in walker.html
    assert ":5000" not in walker.html
