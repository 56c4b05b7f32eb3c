"""Links in messages lead to the staff console's own pages (built without them, in workers)."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask, url_for

from clinic.development.devserver import worker_environment
from clinic.notifications.links import (
    CONSOLE_HOME,
    NoBaseUrl,
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


def test_without_a_base_url_a_page_links_on_the_address_the_browser_used(app: Flask) -> None:
    app.config["CLINIC_BASE_URL"] = ""
    with app.test_request_context("/intake/saved", base_url="https://intake.example.org:8443"):
        assert site_link("/intake/resume") == "https://intake.example.org:8443/intake/resume"
    with pytest.raises(NoBaseUrl, match="CLINIC_BASE_URL is not set"):
        site_link("/staff")  # a worker, with no request to take the address from


def test_make_run_gives_its_worker_the_address_it_serves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLINIC_BASE_URL", raising=False)
    assert worker_environment("0.0.0.0", 8123)["CLINIC_BASE_URL"] == "http://0.0.0.0:8123"
    monkeypatch.setenv("CLINIC_BASE_URL", "https://intake.example.org")
    assert worker_environment("0.0.0.0", 8123)["CLINIC_BASE_URL"] == "https://intake.example.org"
