"""An API submit is one transaction with one commit, in a handful of statements (counts,
never times: speed is measured in bench/)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.api.tokens import create_token
from clinic.extensions import db
from tests import factories
from tests.support.statements import counting

pytestmark = pytest.mark.usefixtures("app_context")


def test_an_api_submit_is_one_transaction_with_one_commit(client: FlaskClient, app: Flask) -> None:
    """Token and owner in one query, the intake, its reference, its outbox row and its
    audit event, one commit; publishing the routing task after the commit writes nothing.
    On PostgreSQL the intake, its outbox row and its event are one statement."""
    token = create_token(factories.staff_user(), "test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1}}
    # The first use writes the token's last-used time (at most once a minute).
    assert client.post("/api/v1/intakes", json=body, headers=headers).status_code == 201
    with counting(db.engine) as seen:
        assert client.post("/api/v1/intakes", json=body, headers=headers).status_code == 201
    assert seen.commits == 1
    assert seen.count <= 5, "\n".join(statement[:70] for statement in seen.sent)
    if db.engine.dialect.name == "postgresql":
        assert seen.count == 2, "\n".join(statement[:70] for statement in seen.sent)
