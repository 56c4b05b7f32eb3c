"""Staff pages read the stored documents in one place: one that cannot be read is shown
as missing, and the log names the row, never a value."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

CANARY = "canary-value-7f3a"


def test_a_referral_page_opens_when_the_contact_document_cannot_be_read(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    submission = factories.submitted_intake()
    submission.contact = {"email": CANARY, "channels": {"email": {"allowed": "yes"}}}
    ref = support.referral("emdr", submission=submission)
    support.sign_in(client, support.staff())

    with caplog.at_level(logging.WARNING, logger="clinic.models.documents"):
        response = client.get(f"/staff/referrals/{ref.id}")

    assert response.status_code == 200
    assert CANARY not in response.get_data(as_text=True)
    assert f"intake_submission {submission.id}: the contact document does not fit" in caplog.text
    assert CANARY not in caplog.text
