"""`UuidText`: the database writes a UUID's text exactly as Python's `str(uuid)` does."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Uuid, create_engine, literal, select

from clinic.extensions import db
from clinic.models.columns import UuidText

IDS = [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID(int=0xABCDEF << 64), uuid.uuid4()]


def _texts(execute: object) -> list[str]:
    query = select(*(UuidText(literal(ident, Uuid())) for ident in IDS))
    return list(execute(query).one())  # type: ignore[operator]


@pytest.mark.usefixtures("app_context")
def test_the_databases_text_of_a_uuid_is_pythons() -> None:
    assert _texts(db.session.execute) == [str(ident) for ident in IDS]


def test_sqlites_hex_digits_become_the_same_text() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        assert _texts(connection.execute) == [str(ident) for ident in IDS]
    engine.dispose()
