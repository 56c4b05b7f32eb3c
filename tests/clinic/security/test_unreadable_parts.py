"""A stored document a page cannot read is shown as "could not display this part".

Each case writes the crafted ciphertext straight into the row (as a damaged backup,
a bad migration or a value sent before validation existed would leave it) and opens
every page that shows it: never a 500, never a guess (an unreadable contact document
is not "Do not contact").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import select, update

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, ReferralNote
from clinic.models.encryption import encrypt_json
from clinic.staff.referral_actions import add_note
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

NOTICE = "Could not display this part."


def _encrypted(value: Any, table: str, column: str, row_id: object) -> str:
    """`value` encrypted for this very row (it decrypts; it just does not fit)."""
    ring = current_app.extensions["keyring"]
    return encrypt_json(ring, value, table=table, column=column, row_id=row_id)


def _malformed(value: Any) -> Callable[[str, str, object], str]:
    return lambda table, column, row_id: _encrypted(value, table, column, row_id)


def _other_row(_table: str, column: str, _row_id: object) -> str:
    """A valid ciphertext of another row: refused by the associated data."""
    return _encrypted({"name": "x"}, "intake_submission", column, "another-row")


def _not_ciphertext(*_: object) -> str:
    return "v1.gone.AAAA"


def _store(model: type[Any], row_id: object, column: str, make: Callable[..., str]) -> None:
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values({column: make(model.__tablename__, column, row_id)})
    )
    db.session.commit()
    db.session.expire_all()


def _signed_in_referral(client: FlaskClient) -> Referral:
    ref = support.referral("emdr", priority="urgent")
    support.sign_in(client, support.staff())
    return ref


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


UNREADABLE = {
    # a key of each document with a value of the wrong type
    "malformed": _malformed({"channels": "x", "flags": "x", "rule_ids": "x", "subject_age": "x"}),
    "surrogate": _malformed({"name": "\ud800", "email": "a@example.org"}),
    "control character": _malformed({"name": "a\x00b"}),
    "not an object": _malformed(["x"]),
    "another row's": _other_row,
    "not ciphertext": _not_ciphertext,
}


@pytest.mark.parametrize("make", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_contact_document_is_not_do_not_contact(
    client: FlaskClient, make: Callable[..., str]
) -> None:
    ref = _signed_in_referral(client)
    _store(IntakeSubmission, ref.submission_id, "contact_encrypted", make)

    page = _page(client, f"/staff/referrals/{ref.id}")

    assert NOTICE in page
    assert "contact details and wishes could not be read" in page
    assert "Do not contact." not in page
    assert "\ud800" not in page


@pytest.mark.parametrize("make", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_answers_show_the_notice(client: FlaskClient, make: Callable[..., str]) -> None:
    ref = _signed_in_referral(client)
    _store(IntakeSubmission, ref.submission_id, "answers_encrypted", make)

    page = _page(client, f"/staff/referrals/{ref.id}/answers")

    assert "The stored answers could not be read." in page
    assert "No answers were stored." not in page


@pytest.mark.parametrize(
    "make",
    [*UNREADABLE.values(), _malformed({"phq9": {"total": "lots", "cut_off": []}})],
    ids=[*UNREADABLE.keys(), "a score of the wrong types"],
)
def test_unreadable_scores_show_the_notice(client: FlaskClient, make: Callable[..., str]) -> None:
    ref = _signed_in_referral(client)
    _store(IntakeSubmission, ref.submission_id, "scores_encrypted", make)

    page = _page(client, f"/staff/referrals/{ref.id}")

    assert "Some stored scores could not be read" in page


@pytest.mark.parametrize("make", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_decision_shows_the_notice_and_asks_for_a_review(
    client: FlaskClient, make: Callable[..., str]
) -> None:
    ref = _signed_in_referral(client)
    _store(IntakeSubmission, ref.submission_id, "decision_encrypted", make)

    page = _page(client, f"/staff/referrals/{ref.id}")

    assert "The routing decision (risks and flags) could not be read" in page


@pytest.mark.parametrize("make", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_explanation_shows_the_notice(
    client: FlaskClient, make: Callable[..., str]
) -> None:
    ref = _signed_in_referral(client)
    _store(Referral, ref.id, "explanation_encrypted", make)

    page = _page(client, f"/staff/referrals/{ref.id}")

    assert "The stored explanation or routing decision could not be read." in page
    assert "No explanation was recorded." not in page


@pytest.mark.parametrize(
    "make",
    [_malformed("\ud800"), _malformed({"not": "text"}), _not_ciphertext],
    ids=["surrogate", "not text", "not ciphertext"],
)
def test_an_unreadable_note_shows_the_notice(client: FlaskClient, make: Callable[..., str]) -> None:
    ref = _signed_in_referral(client)
    add_note(ref, "a note", actor=support.staff("clinician", queues=("emdr",)))
    db.session.commit()
    note = db.session.scalars(select(ReferralNote)).one()
    _store(ReferralNote, note.id, "text_encrypted", make)

    page = _page(client, f"/staff/referrals/{ref.id}")

    assert "This note could not be read." in page


def test_the_api_names_the_parts_it_could_not_read(client: FlaskClient) -> None:
    submission = factories.submitted_intake()
    support.referral("emdr", submission=submission)
    _store(IntakeSubmission, submission.id, "scores_encrypted", _not_ciphertext)
    _store(IntakeSubmission, submission.id, "decision_encrypted", _malformed({"flags": "x"}))
    token = create_token(factories.staff_user(email="api@example.org"), "test")
    db.session.commit()

    response = client.get(
        f"/api/v1/intakes/{submission.id}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 200
    assert response.json["unreadable"] == ["decision", "scores"]
    assert response.json["scores"] == {} and response.json["flags"] == []
