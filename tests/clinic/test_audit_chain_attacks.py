"""The keyed chain against its two hard cases, on databases of their own: two sealers at
once on real PostgreSQL (two connections), and a copy of the database rewritten by
someone without the key (triggers dropped, an event edited, the chain recomputed)."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from clinic import create_app
from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent
from clinic.models.audit import GENESIS_HASH, canonical_time
from clinic.security import audit, audit_heads, audit_seal
from tests.conftest import app_overrides, on_postgres
from tests.support.services import create_postgres_database, drop_postgres_database, service_url

TABLE = AuditEvent.__table__
HEAD = AuditChainHead.__table__


def _app(url: str, instance: Path) -> Flask:
    return create_app(app_overrides(url, instance))


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new PostgreSQL database of this test's own, migrated."""
    url = create_postgres_database(service_url("postgres"))
    try:
        yield url
    finally:
        drop_postgres_database(url)


def _migrate(app: Flask) -> None:
    with app.app_context():
        flask_migrate.upgrade()


def _write(app: Flask, count: int) -> list[int]:
    with app.app_context():
        ids = [audit.record("test.attack", detail={"n": n}) for n in range(count)]
        db.session.commit()
    return ids


def _positions(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(TABLE.c.seal_seq).order_by(TABLE.c.seal_seq)))


@pytest.mark.postgres
def test_a_second_sealer_finds_the_lead_taken_and_seals_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    app = _app(postgres_url, tmp_path / "instance")
    _migrate(app)
    _write(app, 5)
    with app.app_context():  # sealer A: a session and connection of its own
        assert audit_seal.seal_batch() == 5
        with app.app_context():  # sealer B, on another connection, while A is not committed
            assert audit_seal.seal_batch() is None
            db.session.rollback()
        db.session.commit()
    with app.app_context():  # B again, after A committed: nothing left
        assert audit_seal.seal_batch() == 0
        db.session.commit()
    assert _positions(app) == [1, 2, 3, 4, 5]
    _dispose(app)


@pytest.mark.postgres
def test_audited_transactions_do_not_wait_on_one_another(postgres_url: str, tmp_path: Path) -> None:
    """B writes and commits its event while A's event is written and not committed.

    With a lock shared by every audited transaction, B would wait for A: its
    lock_timeout turns that wait into an error instead of a hang.
    """
    app = _app(postgres_url, tmp_path / "instance")
    _migrate(app)
    with app.app_context():  # transaction A, left open
        audit.record("test.a")
        db.session.flush()
        with app.app_context():  # transaction B, on another connection
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            audit.record("test.b")
            db.session.commit()
        db.session.commit()
    with app.app_context():
        actions = db.session.scalars(select(TABLE.c.action).order_by(TABLE.c.id)).all()
    assert actions == ["test.a", "test.b"]
    _dispose(app)


@pytest.mark.postgres
def test_sealers_racing_while_events_are_written_seal_each_event_once(
    postgres_url: str, tmp_path: Path
) -> None:
    app = _app(postgres_url, tmp_path / "instance")
    _migrate(app)
    start, written = threading.Barrier(3), threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        start.wait()
        try:
            for _ in range(20):
                _write(app, 5)
        finally:
            written.set()

    def sealer() -> None:
        start.wait()
        try:
            while not written.is_set():
                with app.app_context():
                    audit_seal.seal_pending()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=f) for f in (writer, sealer, sealer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        audit_seal.seal_pending()
        report = audit.verify_chain()
        assert report.ok and report.checked == 100, report.problems
        assert db.session.scalar(select(func.count()).where(TABLE.c.seal_seq.is_(None))) == 0
    assert _positions(app) == list(range(1, 101))
    _dispose(app)


# A copy of the database, rewritten without the key.


def _unkeyed(row: Any, seq: int, prev_hash: str) -> str:
    """The best a forger without the key can do: the MAC's document, hashed plainly."""
    fields = ("id", "actor_kind", "action", "target_type", "target_id", "ip", "detail")
    document = {name: getattr(row, name) for name in fields}
    document |= {
        "at": canonical_time(row.at),
        "actor_id": None if row.actor_id is None else str(row.actor_id),
        "seq": seq,
        "prev_hash": prev_hash,
        "key_id": row.key_id,
        "format": 2,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _drop_triggers() -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for name in ("audit_event_append_only", "audit_event_no_truncate"):
            connection.execute(text(f"DROP TRIGGER {name} ON audit_event"))
    else:
        for name in ("audit_event_no_update", "audit_event_no_delete"):
            connection.execute(text(f"DROP TRIGGER {name}"))


def _edit_and_recompute(event_id: int) -> None:
    """Drop the triggers, edit one event, recompute every link and the head without the key."""
    _drop_triggers()
    db.session.execute(update(TABLE).where(TABLE.c.id == event_id).values(action="forged"))
    prev, last = GENESIS_HASH, None
    for row in db.session.execute(select(TABLE).order_by(TABLE.c.seal_seq)).all():
        digest = _unkeyed(row, row.seal_seq, prev)
        db.session.execute(
            update(TABLE).where(TABLE.c.id == row.id).values(prev_hash=prev, hash=digest)
        )
        prev, last = digest, row.id
    db.session.execute(update(HEAD).values(hash=prev, last_event_id=last))
    db.session.commit()


def _copy(url: str, tmp_path: Path) -> str:
    if not on_postgres(url):
        copy = tmp_path / "copy.sqlite"
        shutil.copy(make_url(url).database or "", copy)
        return f"sqlite:///{copy}"
    original = make_url(url)
    copy_url = original.set(database=f"{original.database}_copy")
    admin = create_engine(original.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(f'CREATE DATABASE "{copy_url.database}" TEMPLATE "{original.database}"')
        )
    admin.dispose()
    return copy_url.render_as_string(hide_password=False)


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/clinic.sqlite"
        return
    yield request.getfixturevalue("postgres_url")


def test_a_copy_rewritten_without_the_key_is_reported_tampered(
    database_url: str, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"  # the heads file and the keys: the clinic's, not the copy's
    app = _app(database_url, instance)
    _migrate(app)
    ids = _write(app, 4)
    with app.app_context():
        audit_seal.seal_pending()
        audit_heads.export_head()
        assert audit.verify_chain().ok
    _dispose(app)

    copy_url = _copy(database_url, tmp_path)
    copy = _app(copy_url, instance)
    try:
        with copy.app_context():
            _edit_and_recompute(ids[1])
        result = copy.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 1
        assert "tampered" in result.output
        assert f"event {ids[0]} was changed after it was written" in result.output
        assert f"sealed the chain up to event {ids[-1]}" in result.output
    finally:
        _dispose(copy)
        if on_postgres(copy_url):
            drop_postgres_database(copy_url)
