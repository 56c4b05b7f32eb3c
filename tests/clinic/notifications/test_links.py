"""Links in messages lead to the staff console's own pages (built without them, in workers)."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask, url_for

from clinic.notifications.links import (
    CONSOLE_HOME,
    on_call_alert_link,
    site_link,
    staff_alert_link,
)

pytestmark = pytest.mark.usefixtures("app_context")


def test_each_link_is_the_path_the_web_app_serves_the_page_at(app: Flask) -> None:
    some_id = uuid.uuid4()
    with app.test_request_context():
        assert url_for("staff.dashboard") == CONSOLE_HOME
        assert staff_alert_link(some_id) == site_link(
            url_for("staff.notifications.alert", alert_id=some_id)
        )
        assert on_call_alert_link(some_id) == site_link(
            url_for("staff.notifications.on_call_alert", page_id=some_id)
        )


def test_links_are_absolute_on_the_clinic_base_url(app: Flask) -> None:
    app.config["CLINIC_BASE_URL"] = "https://clinic.example/"
    some_id = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
    assert staff_alert_link(some_id) == f"https://clinic.example/staff/alerts/{some_id}"
