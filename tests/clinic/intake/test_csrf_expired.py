"""A page left open until its CSRF token expired: nothing typed is lost."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker, main_form, page_forms

pytestmark = pytest.mark.usefixtures("app_context")


def expired_token(app: Flask, client: FlaskClient) -> str:
    """A token for this session signed two hours ago (the limit is one hour)."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]

    class TwoHoursAgo(URLSafeTimedSerializer):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            signer_class = self.signer

            class OldSigner(signer_class):  # type: ignore[misc,valid-type]
                def get_timestamp(self) -> int:
                    return int(time.time()) - 7200

            self.signer = OldSigner

    serializer = TwoHoursAgo(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return str(serializer.dumps(raw))


def test_an_expired_step_is_shown_again_with_its_answers_and_can_be_sent_again(
    app: Flask, client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("gad7")
    form = main_form(walker.html)
    data = {**form.hidden, "action": "continue"}
    data.update({name: "2" for name in form.radios})
    data["csrf_token"] = expired_token(app, client)

    walker.post(form.action, data)

    assert walker.response is not None and walker.response.status_code == 400
    assert walker.screen() == "gad7"
    assert "this page timed out. Your answers are still filled in below" in walker.html
    assert walker.html.count("checked") == len(form.radios)  # every answer is on the page again
    assert not any(k.startswith("gad7.") for k in only_submission().answers["answers"])

    again = main_form(walker.html)
    walker.post(again.action, {**again.hidden, **again.checked, "action": "continue"})
    assert walker.screen() == "gad7-2"
    assert only_submission().answers["answers"]["gad7.4"] == 2


def test_an_expired_start_page_keeps_what_was_typed(
    app: Flask, client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.get("/intake")
    token = expired_token(app, client)
    walker.post("/intake", {"csrf_token": token, "path": "teen_self", "subject_age": "15"})
    assert walker.response is not None and walker.response.status_code == 400
    assert 'value="15"' in walker.html
    assert "this page timed out" in walker.html


def test_leaving_from_the_support_page_with_an_expired_page_asks_again(
    app: Flask, client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("safety")
    walker.answer({"safety.now": 0})
    assert walker.path == "/intake/support"
    walker.post("/intake/support/leave", {"csrf_token": expired_token(app, client)})
    assert walker.response is not None and walker.response.status_code == 400
    assert "this page timed out" in walker.html
    assert "Leave now" in walker.html
    assert only_submission().status == "draft"
    leave = next(f for f in page_forms(walker.html) if f.action.endswith("/support/leave"))
    walker.post(leave.action, leave.hidden)
    assert only_submission().status == "submitted"
