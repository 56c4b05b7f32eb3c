"""Crafted input answers 4xx with the documented error shape, never a server error."""

from __future__ import annotations

import base64

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.api.tokens import create_token
from clinic.extensions import db
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

FAR_FUTURE = "9999-12-31"


def _api_token() -> dict[str, str]:
    user = factories.staff_user(role="intake_coordinator", email="api@example.org")
    token = create_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _json_error(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert isinstance(body["error"], str) and body["error"]
    return body


@pytest.mark.parametrize(
    "url",
    [
        f"/staff?to={FAR_FUTURE}",
        f"/staff?from={FAR_FUTURE}",
        f"/staff/queues/emdr?to={FAR_FUTURE}",
        f"/staff/queues/emdr/export.csv?to={FAR_FUTURE}",
    ],
)
def test_a_date_past_the_calendar_is_a_bad_request(client: FlaskClient, url: str) -> None:
    support.sign_in(client, support.staff())
    response = client.get(url)
    assert response.status_code == 400
    assert "date" in response.get_data(as_text=True)


def test_a_date_past_the_calendar_on_the_audit_log_is_a_bad_request(client: FlaskClient) -> None:
    support.sign_in(client, support.staff("admin", is_admin=True))
    assert client.get(f"/staff/admin/audit?to={FAR_FUTURE}").status_code == 400


def test_a_huge_before_on_the_audit_log_is_a_bad_request(client: FlaskClient) -> None:
    support.sign_in(client, support.staff("admin", is_admin=True))
    assert client.get("/staff/admin/audit?before=" + "9" * 40).status_code == 400


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        _cursor("0|2026-01-01T00:00:00|00000000-0000-0000-0000-000000000001"),  # no time zone
        _cursor("99999999999999999999999|2026-01-01T00:00:00+00:00|" + "0" * 32),
        "%%%",
        _cursor("\x00|\x01|\x02"),
    ],
)
def test_a_crafted_cursor_is_a_bad_request(client: FlaskClient, token: str) -> None:
    support.referral("emdr")
    support.sign_in(client, support.staff())
    response = client.get("/staff", query_string={"after": token})
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/staff?queue=", "/staff/queues/emdr?queue=", "/staff?queue=x"])
def test_an_empty_or_unknown_queue_filter_shows_the_page(client: FlaskClient, url: str) -> None:
    made = support.referral("emdr")
    support.sign_in(client, support.staff())
    response = client.get(url)
    assert response.status_code == 200
    support.row_of(response.get_data(as_text=True), made)


@pytest.mark.parametrize("target", ["/intake\nSet-Cookie: x=1", "/intake\r\nX: y", "/intake\x00"])
def test_a_control_character_in_next_of_the_language_switch_is_refused(
    client: FlaskClient, target: str
) -> None:
    response = client.post("/intake/language", data={"language": "es", "next": target})
    assert response.status_code == 400
    assert "Set-Cookie" not in str(response.headers).replace("Set-Cookie: session", "")
    assert "This could not be used" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/intake/?x=%01", None),
        ("/staff/login?next=%0d%0a", None),
        ("/staff/login", {"email": "a\x00@example.org", "password": "x"}),
    ],
)
def test_a_control_character_in_any_field_or_query_is_a_bad_request(
    client: FlaskClient, url: str, data: dict[str, str] | None
) -> None:
    response = client.post(url, data=data) if data else client.get(url)
    assert response.status_code == 400


def test_a_tab_and_line_breaks_are_kept_in_a_form_field(client: FlaskClient) -> None:
    made = support.referral("emdr")
    support.sign_in(client, support.staff())
    page = client.get(f"/staff/referrals/{made.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/staff/referrals/{made.id}/notes",
        data={"text": "first line\r\n\tsecond line", "csrf_token": token},
    )
    assert response.status_code == 302
    assert "second line" in client.get(f"/staff/referrals/{made.id}").get_data(as_text=True)


def test_json_nested_three_thousand_deep_is_refused_in_the_error_shape(
    client: FlaskClient,
) -> None:
    body = "[" * 3000 + "]" * 3000
    response = client.post(
        "/api/v1/intakes",
        data=body,
        headers={**_api_token(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    _json_error(response)


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/intakes", data="{", headers={**_api_token(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    _json_error(response)


def test_an_unknown_api_path_answers_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here", headers=_api_token())
    assert response.status_code == 404
    _json_error(response)


def test_a_wrong_method_on_the_api_answers_json(client: FlaskClient) -> None:
    response = client.delete("/api/v1/intakes", headers=_api_token())
    assert response.status_code == 405
    _json_error(response)
    assert "POST" in response.headers["Allow"]


def test_a_server_error_in_the_api_answers_json(app: Flask, client: FlaskClient) -> None:
    def broken() -> str:
        raise RuntimeError("a fault in a view")

    app.add_url_rule("/api/v1/broken", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/broken")
    assert response.status_code == 500
    assert _json_error(response) == {"error": "internal server error"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "body",
    [
        '{"path": "adult_self", "subject_age": 30, "contact": {"name": "\\ud800"}}',
        '{"path": "adult_self", "subject_age": 30, "contact": {"name": "a\\u0000b"}}',
        '{"path": "adult_self\\n", "subject_age": 30}',
        '{"path": "adult_self", "subject_age": 30, "answers": {"\\udfff": 1}}',
    ],
)
def test_a_surrogate_or_control_character_in_api_json_is_422(
    client: FlaskClient, body: str
) -> None:
    response = client.post(
        "/api/v1/intakes",
        data=body,
        headers={**_api_token(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    errors = _json_error(response)["errors"]
    assert isinstance(errors, list) and errors
    assert all(set(e) == {"field", "message"} for e in errors)
