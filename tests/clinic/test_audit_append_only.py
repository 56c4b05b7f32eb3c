"""The database itself keeps `audit_event` append-only, and `referral.created_at` is
indexed, on PostgreSQL and on the embedded SQLite default (`make run` migrates it
with `flask db upgrade`, as here)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from clinic import create_app
from clinic.extensions import db
from clinic.models import AuditEvent
from clinic.models.columns import utcnow
from clinic.models.encryption import KeyRing
from clinic.security import audit, audit_seal
from clinic.security.instance_secrets import new_encryption_key_entry
from tests import factories
from tests.conftest import app_overrides, apply_migrations, on_postgres
from tests.support.services import create_postgres_database, drop_postgres_database, service_url

TABLE = AuditEvent.__table__
BEFORE = "7c4e2a9d51b3"
"""The revision before the one that adds the triggers and the index."""

BACKENDS = [pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"]


def refused(operation: str) -> Any:
    return pytest.raises(IntegrityError, match=f"audit_event is append-only: {operation} refused")


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("append-only") / "template.sqlite"
    apply_migrations(f"sqlite:///{path}", path.parent / "instance")
    return path


@pytest.fixture(params=BACKENDS)
def backend_app(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Flask]:
    """An app on a migrated database of the kind named by the parameter."""
    if request.param == "postgresql":
        app: Flask = request.getfixturevalue("app_context")
        if not on_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
            pytest.skip("PostgreSQL (TEST_DATABASE_URL) does not answer")
        yield app
        return
    copy = tmp_path / "clinic.sqlite"
    shutil.copy(sqlite_template, copy)
    application = create_app(app_overrides(f"sqlite:///{copy}", tmp_path / "instance"))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _events(count: int) -> list[int]:
    ids = [audit.record("test.append_only", detail={"n": n}) for n in range(count)]
    db.session.commit()
    return ids


def _rows() -> list[tuple[Any, ...]]:
    return [tuple(row) for row in db.session.execute(select(TABLE).order_by(TABLE.c.id))]


def test_audit_events_are_still_appended_and_chained(backend_app: Flask) -> None:
    before = db.session.scalar(select(func.count()).select_from(TABLE))
    _events(3)
    assert db.session.scalar(select(func.count()).select_from(TABLE)) == before + 3
    audit_seal.seal_pending()
    report = audit.verify_chain()
    assert report.ok, report.problem


def test_the_database_refuses_to_change_an_audit_event(backend_app: Flask) -> None:
    ids = _events(2)
    rows = _rows()
    with refused("UPDATE"):
        db.session.execute(update(TABLE).where(TABLE.c.id == ids[0]).values(action="forged"))
    db.session.rollback()
    with refused("UPDATE"):
        db.session.execute(text("UPDATE audit_event SET detail = '{}'"))
    db.session.rollback()
    assert _rows() == rows


def test_the_database_lets_only_a_seal_through_once(backend_app: Flask) -> None:
    """The one UPDATE allowed: the seal columns of an unsealed event, nothing else."""
    (event_id,) = _events(1)
    seal = {
        "seal_seq": 10_000_000,
        "prev_hash": "0" * 64,
        "hash": "a" * 64,
        "key_id": "t1",
        "sealed_at": utcnow(),
    }
    with refused("UPDATE"):  # sealing and changing what it records
        db.session.execute(
            update(TABLE).where(TABLE.c.id == event_id).values(action="forged", **seal)
        )
    db.session.rollback()
    with refused("UPDATE"):  # half a seal
        db.session.execute(update(TABLE).where(TABLE.c.id == event_id).values(hash="a" * 64))
    db.session.rollback()
    audit_seal.seal_pending()
    rows = _rows()
    with refused("UPDATE"):  # sealing again
        db.session.execute(update(TABLE).where(TABLE.c.id == event_id).values(**seal))
    db.session.rollback()
    assert _rows() == rows
    assert audit.verify_chain().ok


def test_the_database_refuses_to_delete_an_audit_event(backend_app: Flask) -> None:
    ids = _events(2)
    rows = _rows()
    with refused("DELETE"):
        db.session.execute(delete(TABLE).where(TABLE.c.id == ids[-1]))
    db.session.rollback()
    with refused("DELETE"):
        db.session.execute(text("DELETE FROM audit_event"))
    db.session.rollback()
    assert _rows() == rows
    assert audit.verify_chain().ok


def test_postgresql_refuses_to_truncate_the_audit_log(backend_app: Flask) -> None:
    if not on_postgres(backend_app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.skip("SQLite has no TRUNCATE (its DELETE trigger covers a DELETE of every row)")
    _events(1)
    rows = _rows()
    with refused("TRUNCATE"):
        db.session.execute(text("TRUNCATE audit_event"))
    db.session.rollback()
    # A cascade from the table its actor_id points at reaches audit_event too.
    with refused("TRUNCATE"):
        db.session.execute(text("TRUNCATE staff_user CASCADE"))
    db.session.rollback()
    assert _rows() == rows


def test_key_rotation_works_and_leaves_the_audit_log_as_it_was(backend_app: Flask) -> None:
    submission = factories.submitted_intake(contact={"email": "rotate@example.org"})
    audit.record("submission.submitted", target_type="submission", target_id=submission.id)
    db.session.commit()
    audit_seal.seal_pending()
    rows = _rows()
    old_spec = backend_app.config["ENCRYPTION_KEYS"]
    backend_app.extensions["keyring"] = KeyRing.parse(
        f"{new_encryption_key_entry('t2')},{old_spec}"
    )

    result = backend_app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert "with key t2" in result.output and "Re-encrypted 0 " not in result.output
    db.session.expire_all()
    assert _rows() == rows
    assert audit.verify_chain().ok


def test_referral_created_at_has_an_index_of_its_own(backend_app: Flask) -> None:
    indexes = inspect(db.session.connection()).get_indexes("referral")
    assert {"name": "ix_referral_created_at", "columns": ["created_at"]} in [
        {"name": index["name"], "columns": index["column_names"]} for index in indexes
    ]


@pytest.fixture(params=BACKENDS)
def fresh_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on a new, empty database of the kind named by the parameter."""
    if request.param == "postgresql":
        url = create_postgres_database(service_url("postgres"))
    else:
        url = f"sqlite:///{tmp_path}/fresh.sqlite"
    application = create_app(app_overrides(url, tmp_path / "instance"))
    try:
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        if on_postgres(url):
            drop_postgres_database(url)


def _created_at_indexed() -> bool:
    indexes = inspect(db.session.connection()).get_indexes("referral")
    return "ix_referral_created_at" in {index["name"] for index in indexes}


def _migrate(to: str) -> None:
    """End the session's transaction first: its locks would block the migration's DDL."""
    db.session.close()
    if to == "head":
        flask_migrate.upgrade()
    else:
        flask_migrate.downgrade(revision=to)


def test_downgrade_drops_the_triggers_and_the_index_and_upgrade_brings_them_back(
    fresh_app: Flask,
) -> None:
    _migrate("head")
    (event_id,) = _events(1)
    assert _created_at_indexed()

    _migrate(BEFORE)
    db.session.execute(update(TABLE).where(TABLE.c.id == event_id).values(action="changed"))
    db.session.commit()
    assert not _created_at_indexed()

    _migrate("head")
    with refused("UPDATE"):
        db.session.execute(update(TABLE).where(TABLE.c.id == event_id).values(action="again"))
    db.session.rollback()
    with refused("DELETE"):
        db.session.execute(delete(TABLE))
    db.session.rollback()
    assert _created_at_indexed()
