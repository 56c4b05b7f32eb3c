"""Audit events keep the address of staff and system actions, never a client's."""

from __future__ import annotations

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.models import AuditEvent
from clinic.security import audit
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def test_client_events_keep_no_address(app: Flask) -> None:
    with app.test_request_context("/intake", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        event_id = audit.record("submission.submitted", actor_kind="client")
    assert db.session.get_one(AuditEvent, event_id).ip is None


def test_staff_events_keep_the_address(app: Flask) -> None:
    user = factories.staff_user()
    with app.test_request_context("/staff", environ_base={"REMOTE_ADDR": "203.0.113.8"}):
        event_id = audit.record("staff.sign_in", actor=user)
    assert db.session.get_one(AuditEvent, event_id).ip == "203.0.113.8"
