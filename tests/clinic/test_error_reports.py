"""Error reports: off without SENTRY_DSN; nothing personal in what would be sent."""

from __future__ import annotations

import json
from typing import Any

import sentry_sdk

from clinic.observability import errors

CANARY = "canary-sentry-3d9e@example.org"


def _event() -> dict[str, Any]:
    frame = {"filename": "clinic/intake/services.py", "lineno": 42, "vars": {"email": CANARY}}
    return {
        "message": "ValueError in submit",
        "request": {
            "method": "POST",
            "url": f"https://intake.clinic.example/intake/step/3?email={CANARY}",
            "query_string": f"email={CANARY}",
            "data": {"phq9.1": "3", "contact.email": CANARY},
            "cookies": {"__Host-session": CANARY},
            "headers": {"Cookie": CANARY, "Authorization": f"Bearer {CANARY}"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "exception": {"values": [{"type": "ValueError", "stacktrace": {"frames": [dict(frame)]}}]},
        "threads": {"values": [{"stacktrace": {"frames": [dict(frame)]}}]},
        "breadcrumbs": {"values": [{"message": "submitted", "data": {"to": CANARY}}]},
        "user": {"email": CANARY},
        "extra": {"contact": CANARY},
    }


def test_before_send_keeps_the_error_and_drops_everything_personal() -> None:
    event = errors.before_send(_event())
    assert CANARY not in json.dumps(event)
    assert event["request"] == {
        "method": "POST",
        "url": "https://intake.clinic.example/intake/step/3",
    }
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["stacktrace"]["frames"][0]["lineno"] == 42


def test_reports_are_off_without_a_dsn_and_use_before_send_with_one() -> None:
    assert errors.init({"SENTRY_DSN": ""}) is False
    try:
        assert errors.init({"SENTRY_DSN": "https://public@127.0.0.1:9/1", "APP_ENV": "production"})
        options = sentry_sdk.get_client().options
        assert options["before_send"] is errors.before_send
        assert not options.get("send_default_pii")
        assert options["include_local_variables"] is False
    finally:
        sentry_sdk.init(dsn=None)
