"""The audit log's hash chain, `flask audit verify`, and the admin audit view."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent
from clinic.security import audit, audit_seal
from tests.clinic.staff import support
from tests.support.audit_log import append_only_lifted

TABLE = AuditEvent.__table__


def _write(count: int) -> list[AuditEvent]:
    ids = [audit.record("test.event", detail={"n": n}) for n in range(count)]
    db.session.commit()
    audit_seal.seal_pending()
    return [db.session.get_one(AuditEvent, event_id) for event_id in ids]


def _verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


@pytest.mark.usefixtures("app_context")
def test_events_are_chained_in_order(app: Flask) -> None:
    events = _write(3)
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert db.session.get(AuditChainHead, 1).hash == events[2].hash
    assert audit.verify_chain().ok


@pytest.mark.usefixtures("app_context")
def test_several_events_in_one_flush_chain_in_id_order(app: Flask) -> None:
    for n in range(5):
        audit.record("test.batch", detail={"n": n})
    db.session.flush()
    db.session.commit()
    audit_seal.seal_pending()
    report = audit.verify_chain()
    assert report.ok, report.problem


@pytest.mark.usefixtures("app_context")
def test_verify_passes_on_a_clean_log(app: Flask) -> None:
    _write(4)
    code, output = _verify(app)
    assert code == 0 and "Audit chain intact" in output


@pytest.mark.usefixtures("app_context")
def test_verify_names_a_changed_event(app: Flask) -> None:
    events = _write(4)
    with append_only_lifted():  # someone with the owner's rights: the chain still tells
        db.session.execute(update(TABLE).where(TABLE.c.id == events[2].id).values(action="forged"))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1
    assert f"event {events[2].id} was changed after it was written" in output


@pytest.mark.usefixtures("app_context")
def test_verify_names_the_event_after_a_removed_one(app: Flask) -> None:
    events = _write(4)
    with append_only_lifted():  # someone with the owner's rights: the chain still tells
        db.session.execute(delete(TABLE).where(TABLE.c.id == events[1].id))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and f"event {events[2].id} does not follow" in output


@pytest.mark.usefixtures("app_context")
def test_verify_notices_events_cut_off_the_end(app: Flask) -> None:
    events = _write(3)
    with append_only_lifted():  # someone with the owner's rights: the chain still tells
        db.session.execute(delete(TABLE).where(TABLE.c.id == events[2].id))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "events were removed from the end" in output


@pytest.mark.usefixtures("app_context")
def test_the_orm_refuses_to_change_an_event(app: Flask) -> None:
    import pytest

    (event,) = _write(1)
    event.action = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.usefixtures("app_context")
def test_admins_read_and_filter_the_audit_log(app: Flask, client: FlaskClient) -> None:
    admin = support.staff("admin", name="Ada Admin")
    _write(2)
    support.sign_in(client, admin)
    page = client.get("/staff/admin/audit?action=test.").get_data(as_text=True)
    assert page.count("<code>test.event</code>") == 2
    assert "staff.sign_in" not in client.get("/staff/admin/audit?action=test.").get_data(
        as_text=True
    )
    assert "audit_log.viewed" in db.session.scalars(select(AuditEvent.action)).all()


def test_the_migration_chains_events_written_before_it(tmp_path: object) -> None:
    import flask_migrate
    from sqlalchemy import text

    from clinic import create_app
    from tests.conftest import app_overrides

    url = f"sqlite:///{tmp_path}/old.sqlite"
    app = create_app(app_overrides(url, tmp_path / "instance"))  # type: ignore[operator]
    with app.app_context():
        flask_migrate.upgrade(revision="30bcfc4d6f78")
        for n in range(3):
            db.session.execute(
                text(
                    "INSERT INTO audit_event (at, actor_kind, action, detail) "
                    "VALUES (:at, 'system', 'legacy.event', :detail)"
                ),
                {"at": f"2026-01-0{n + 1} 10:00:00.000000", "detail": f'{{"n": {n}}}'},
            )
        db.session.commit()
        flask_migrate.upgrade()
        audit_seal.seal_pending()
        report = audit.verify_chain()
        assert report.ok and report.checked == 3, report.problem
        audit.record("after.migration")
        db.session.commit()
        audit_seal.seal_pending()
        assert audit.verify_chain().ok
        db.session.remove()
        db.engine.dispose()
