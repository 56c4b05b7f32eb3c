"""The API's `contact` is checked with the web form's rules (ContactInput): 422 naming
each key that does not fit, and nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import IntakeSubmission
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def _post(client: FlaskClient, contact: Any) -> Any:
    token = create_token(factories.staff_user(email="api@example.org"), "test")
    db.session.commit()
    body = {"path": "adult_self", "subject_age": 30, "answers": {}, "contact": contact}
    return client.post("/api/v1/intakes", json=body, headers={"Authorization": f"Bearer {token}"})


EMAIL_OK = {"allowed": True, "mention_clinic": False}


@pytest.mark.parametrize(
    ("contact", "fields"),
    [
        ({"channels": "x"}, ["contact.channels"]),
        ({"channels": {"email": {"allowed": "yes"}}}, ["contact.channels"]),
        ({"channels": {"fax": {"allowed": True}}}, ["contact.channels"]),
        ({"channels": {"email": {"allowed": True, "loud": True}}}, ["contact.channels"]),
        ({"language": "fr"}, ["contact.language"]),
        ({"safe_times": ["midnight"]}, ["contact.safe_times"]),
        ({"safe_times": ["weekend", "weekend"]}, ["contact.safe_times"]),
        ({"email": "not an address"}, ["contact.email"]),
        ({"phone": "call me"}, ["contact.phone"]),
        ({"name": "n" * 81}, ["contact.name"]),
        ({"favourite_colour": "blue"}, ["contact.favourite_colour"]),
        ({"caregiver_contact_ok": "yes"}, ["contact.caregiver_contact_ok"]),
        ({"name": "\ud800"}, ["contact.name"]),
        ({"name": "a\tb"}, ["contact.name"]),  # the API has no text with lines
        ({"channels": {"email": EMAIL_OK}}, ["contact.email"]),
        ({"channels": {"text": EMAIL_OK}}, ["contact.phone"]),
    ],
)
def test_a_contact_the_web_form_could_not_write_is_422(
    client: FlaskClient, contact: Any, fields: list[str]
) -> None:
    response = _post(client, contact)

    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]
    assert [e["field"] for e in response.json["errors"]] == fields
    assert db.session.scalars(select(IntakeSubmission)).all() == []


@pytest.mark.parametrize(
    "contact",
    [
        {},
        factories.safe_email_contact(),
        {"name": "Sam", "phone": "+1 555 123 4567", "channels": {"text": EMAIL_OK}},
        {"language": "es", "safe_times": ["weekend", "weekday_morning"]},
        {"caregiver_contact_ok": None, "name": "Ana María"},
    ],
)
def test_a_contact_the_web_form_could_write_is_taken(client: FlaskClient, contact: Any) -> None:
    response = _post(client, contact)

    assert response.status_code == 201, response.get_data(as_text=True)
