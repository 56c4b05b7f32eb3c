"""The stored documents: the JSON they keep, strict reading, and errors that name no values."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.models.documents import (
    AnswersDocument,
    ContactDocument,
    DecisionDocument,
    Explanation,
    ReferralEventDetail,
    UnreadableDocument,
    parse,
)
from clinic.routing.record import record_routing, score_and_decide
from referrals.rules import default_rules
from tests import factories

CANARY = "canary-value-7f3a"

CONTACT_BEFORE_THE_CLIENT_SAYS_ANYTHING = {
    "language": "es",
    "name": None,
    "email": None,
    "phone": None,
    "channels": {
        "email": {"allowed": False, "mention_clinic": False},
        "phone": {"allowed": False, "leave_message": False, "mention_clinic": False},
        "text": {"allowed": False, "mention_clinic": False},
    },
    "safe_times": [],
    "caregiver_contact_ok": None,
    "resume_email_ok": False,
}


def test_an_empty_contact_document_has_every_key_and_allows_no_channel() -> None:
    assert ContactDocument.empty("es").stored() == CONTACT_BEFORE_THE_CLIENT_SAYS_ANYTHING


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"email": "client@example.org"},
        {"channels": {"email": {"allowed": True}}, "kept": {"n": 1}},
        CONTACT_BEFORE_THE_CLIENT_SAYS_ANYTHING,
    ],
    ids=["empty", "one-key", "partial-and-unknown-keys", "full"],
)
def test_a_contact_document_keeps_exactly_the_keys_it_was_given(stored: dict[str, Any]) -> None:
    document = parse(ContactDocument, stored, what="contact document")
    assert document.stored() == stored
    updated = document.merged(ContactDocument(resume_email_ok=True)).stored()
    assert updated == {**stored, "resume_email_ok": True}


def test_a_key_left_out_reads_as_its_safe_default() -> None:
    document = parse(ContactDocument, {"email": "client@example.org"}, what="contact document")
    assert not document.channels.email.allowed and not document.resume_email_ok
    assert not document.caregiver_question_recorded  # absent is not "prefer not to answer"
    asked = parse(ContactDocument, {"caregiver_contact_ok": None}, what="contact document")
    assert asked.caregiver_question_recorded and asked.caregiver_contact_ok is None


@pytest.mark.parametrize(
    ("definition", "value", "fields"),
    [
        (ContactDocument, {"channels": {"email": {"allowed": "yes"}}}, ("channels",)),
        (
            ContactDocument,
            {"channels": {"text": {"allowed": 1}}, "phone": 5550100},
            ("channels", "phone"),
        ),
        (ContactDocument, {"safe_times": "weekend"}, ("safe_times",)),
        (AnswersDocument, {"subject_age": "34", "answers": {}}, ("subject_age",)),
        (AnswersDocument, {"subject_age": 34, "answers": {"phq9.1": True}}, ("answers",)),
        (AnswersDocument, {"answers": {}}, ("subject_age",)),
        (AnswersDocument, ["not", "an", "object"], ("answers document",)),
    ],
)
def test_values_are_read_strictly_as_json_has_them(
    definition: type[ContactDocument | AnswersDocument], value: object, fields: tuple[str, ...]
) -> None:
    with pytest.raises(UnreadableDocument) as caught:
        parse(
            definition,
            value,
            what=f"{'contact' if definition is ContactDocument else 'answers'} document",
        )
    assert caught.value.fields == fields


def test_an_unreadable_document_is_described_without_its_values() -> None:
    answers = {"subject_age": 34, "answers": {"phq9.1": CANARY}}
    with pytest.raises(UnreadableDocument) as caught:
        parse(AnswersDocument, answers, what="answers document")
    assert CANARY not in str(caught.value) and "phq9.1" not in str(caught.value)
    assert str(caught.value) == "the answers document does not fit: answers"


@pytest.mark.parametrize(
    "answers",
    [
        {"safety.now": 1},
        {"safety.now": 0, "phq9.9": 2, **{f"pcptsd5.{n}": 1 for n in range(6)}},
        {"safety.now": 1, "rship.1": 1, "rship.2": 1, "rship.4": 1, "rship.5": 1},
        {"safety.now": None, "asq.1": 1, "asq.5": None},
    ],
)
def test_the_decision_and_explanations_the_engine_makes_are_stored_as_it_made_them(
    answers: dict[str, int | None],
) -> None:
    document = AnswersDocument(subject_age=34, sex=None, answers=answers)
    _, decision = score_and_decide("adult_self", document, default_rules())

    stored = DecisionDocument.of(decision)

    assert stored.stored() == decision.as_dict()
    for item, reasons in zip(decision.referrals, stored.referrals, strict=True):
        explanation = Explanation(**reasons.stored(), sentence=item.sentence())
        assert explanation.stored() == {**item.as_dict(), "sentence": item.sentence()}


def test_an_event_detail_holds_only_what_applies_and_only_known_keys() -> None:
    detail = ReferralEventDetail(action="accept", assignee_id="a1", reason=None)
    assert detail.stored() == {"action": "accept", "assignee_id": "a1"}
    assert detail.merged(ReferralEventDetail(note_id="n1")).stored() == {
        "action": "accept",
        "assignee_id": "a1",
        "note_id": "n1",
    }
    with pytest.raises(UnreadableDocument):
        parse(ReferralEventDetail, {"note_text": "free text"}, what="event detail")


@pytest.mark.usefixtures("app_context")
def test_answers_that_cannot_be_read_go_to_review_without_their_values(app: Flask) -> None:
    submission = factories.submitted_intake()
    submission.answers = {"subject_age": CANARY, "answers": {"safety.now": 1}}
    db.session.commit()

    assert record_routing(str(submission.id)) == "needs_review"

    db.session.refresh(submission)
    assert submission.routing_error == (
        "UnreadableDocument: the answers document does not fit: subject_age"
    )
