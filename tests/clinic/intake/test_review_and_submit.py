"""Review every answer, change a section, send: the submission contract."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models.notification import NotificationMessage
from tests.clinic.intake.helpers import audit_actions, only_submission, outbox_rows
from tests.clinic.intake.walker import IntakeWalker

pytestmark = pytest.mark.usefixtures("app_context")


def change_links(page: str) -> dict[str, str]:
    """Section heading id -> its change link."""
    return dict(
        re.findall(r'<h2 id="review-([^"]+)"[^>]*>.*?</h2>\s*<a href="([^"]+)"', page, re.S)
    )


def test_the_review_lists_every_answer_by_section_with_a_change_link(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 41)
    walker.walk({"phq9.3": 2, "gad7.2": 1})
    page = walker.html
    assert walker.heading() == "Check your answers"
    links = change_links(page)
    assert list(links) == [
        "contact", "about", "safety", "rel", "ace", "apgar", "phq9", "gad7",
        "pcptsd5", "asq", "auditc", "rship", "parent", "reg",
    ]  # fmt: skip
    assert links["phq9"] == "/intake/step/9?change=1"  # after contact, contact-more, about...
    assert "Trouble falling or staying asleep, or sleeping too much" in page
    assert "More than half the days" in page
    assert "Please do not contact me" in page
    assert page.count('<div class="summary-row">') == len(only_submission().answers["answers"]) + 4
    assert "score" not in page.lower()


def test_changing_a_section_returns_to_the_review(walker: IntakeWalker) -> None:
    walker.start("adult_self", 41)
    walker.walk()
    walker.get(change_links(walker.html)["gad7"])
    assert walker.screen() == "gad7"
    walker.answer({"gad7.1": 3})
    assert walker.screen() == "gad7-2"  # the rest of the section, then the review
    walker.answer()
    assert walker.path == "/intake/review"
    assert only_submission().answers["answers"]["gad7.1"] == 3


def test_a_change_that_opens_new_questions_asks_them_before_the_review(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 41)
    walker.walk()
    walker.get(change_links(walker.html)["rship"])
    walker.answer({"rship.1": 1})
    assert walker.screen() == "rship-details"
    walker.answer()
    assert walker.path == "/intake/review"
    assert "rship" in change_links(walker.html)


def test_sending_stores_the_answers_document_and_the_routing_outbox_row(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 41)
    walker.walk({"pcptsd5.0": 1}, choose=lambda item, values: "0" if "0" in values else values[0])
    # An earlier change makes answers irrelevant: they are dropped before sending.
    walker.get(change_links(walker.html)["pcptsd5"])
    walker.answer({"pcptsd5.0": 0})
    walker.walk()
    walker.submit()

    assert walker.path == "/intake/sent"
    page = walker.html
    assert walker.heading() == "Thank you. We have your answers."
    assert "within 2 working days" in page and "Call or text 988" in page
    assert "score" not in page.lower()
    submission = only_submission()
    assert (submission.status, submission.submitted_partial) == ("submitted", False)
    document = submission.answers
    assert set(document) == {"subject_age", "sex", "answers"}
    assert (document["subject_age"], document["sex"]) == (41, "female")
    assert document["answers"]["pcptsd5.0"] == 0
    assert not any(key.startswith("pcptsd5.1") for key in document["answers"])
    assert all(v is None or isinstance(v, int) for v in document["answers"].values())
    [message] = outbox_rows()
    assert (message.kind, message.target_id) == (TaskNames.ROUTE_SUBMISSION, str(submission.id))
    assert message.status == "pending"  # committed first, then published; done once routed
    # Answering 0 everywhere includes safety.now = 0 (acute): on-call was paged from the draft.
    assert audit_actions() == ["draft.started", "draft.on_call_paged", "submission.submitted"]


def test_the_review_is_not_shown_before_every_screen_is_done(walker: IntakeWalker) -> None:
    walker.start("adult_self", 41)
    walker.contact()
    walker.get("/intake/review")
    assert walker.screen() == "about"


def test_a_sent_form_cannot_be_sent_again_or_opened(walker: IntakeWalker) -> None:
    walker.start("teen_self", 16)
    walker.walk()
    token = re.search(r'name="csrf_token" value="([^"]+)"', walker.html)
    assert token
    walker.submit()
    walker.post("/intake/review", {"csrf_token": token.group(1)})
    assert walker.path == "/intake"
    assert len(outbox_rows()) == 1


def test_the_client_is_told_it_arrived_only_by_a_way_they_marked_safe(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 41)
    walker.contact(email_allowed="y", email="safe@example.org")
    walker.walk()
    walker.submit()
    [message] = db.session.scalars(select(NotificationMessage)).all()
    assert (message.template, message.channel) == ("client_confirmation", "email")
    assert message.submission_id == only_submission().id
