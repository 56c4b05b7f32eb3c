"""Audit events keep the address of staff and system actions, never a client's."""

from __future__ import annotations

import pytest
from flask import Flask

from clinic.security import audit
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def test_client_events_keep_no_address(app: Flask) -> None:
    with app.test_request_context("/intake", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        event = audit.record("submission.submitted", actor_kind="client")
    assert event.ip is None


def test_staff_events_keep_the_address(app: Flask) -> None:
    user = factories.staff_user()
    with app.test_request_context("/staff", environ_base={"REMOTE_ADDR": "203.0.113.8"}):
        event = audit.record("staff.sign_in", actor=user)
    assert event.ip == "203.0.113.8"
