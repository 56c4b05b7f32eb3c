"""The keyed audit chain: the sealer, its order and leadership, tampering, the exported
heads and key rotation (`flask audit verify|seal|export-head`)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, update

from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent
from clinic.models.columns import utcnow
from clinic.models.encryption import KeyRing
from clinic.security import audit, audit_heads, audit_seal
from clinic.security.instance_secrets import new_encryption_key_entry
from tests.support.audit_log import append_only_lifted

TABLE = AuditEvent.__table__

pytestmark = pytest.mark.usefixtures("app_context")


def _write(count: int, action: str = "test.seal") -> list[int]:
    ids = [audit.record(action, detail={"n": n}) for n in range(count)]
    db.session.commit()
    return ids


def _chain() -> list[tuple[int, int, str | None, str | None]]:
    """(event id, position, prev_hash, hash) of the sealed events, in chain order."""
    rows = db.session.execute(
        select(TABLE.c.id, TABLE.c.seal_seq, TABLE.c.prev_hash, TABLE.c.hash)
        .where(TABLE.c.seal_seq.is_not(None))
        .order_by(TABLE.c.seal_seq)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _unsealed() -> int:
    return db.session.scalar(select(func.count()).where(TABLE.c.seal_seq.is_(None))) or 0


def test_events_are_written_unsealed_and_the_sealer_links_them_in_id_order(app: Flask) -> None:
    ids = _write(3)
    assert _unsealed() >= 3 and not any(i in [row[0] for row in _chain()] for i in ids)

    unsealed = _unsealed()
    assert audit_seal.seal_pending() == unsealed
    chain = _chain()
    assert [row[0] for row in chain][-3:] == ids
    assert [row[1] for row in chain] == list(range(1, len(chain) + 1))
    for before, after in itertools.pairwise(chain):
        assert after[2] == before[3]
    assert _unsealed() == 0
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_event_id, head.hash) == (chain[-1][0], chain[-1][3])
    assert audit.verify_chain().ok


def test_sealing_again_changes_nothing(app: Flask) -> None:
    _write(2)
    audit_seal.seal_pending()
    chain = _chain()
    assert audit_seal.seal_pending() == 0
    assert _chain() == chain


def test_an_event_committed_late_joins_the_chain_after_those_sealed_before_it(app: Flask) -> None:
    """An open transaction's event (a lower id, committed after a higher one was sealed)."""
    _write(2)
    audit_seal.seal_pending()
    late_id = -1  # below every id taken so far: taken first, committed last
    db.session.execute(
        insert(TABLE).values(
            id=late_id, at=utcnow(), actor_kind="system", action="test.late", detail={}
        )
    )
    db.session.commit()
    assert audit_seal.seal_pending() == 1
    chain = _chain()
    assert chain[-1][0] == late_id and chain[-1][1] == len(chain)
    assert audit.verify_chain().ok


def test_a_recent_unsealed_event_is_no_problem_an_old_one_is(app: Flask) -> None:
    _write(1)
    report = audit.verify_chain()
    assert report.ok and report.unsealed >= 1
    db.session.add(
        AuditEvent(actor_kind="system", action="test.stuck", at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "are not sealed" in output

    assert app.test_cli_runner().invoke(args=["audit", "seal"]).output.startswith("Sealed ")
    code, output = _verify(app)
    assert code == 0 and "Audit chain intact" in output


def test_the_audit_log_page_shows_events_not_yet_sealed(app: Flask) -> None:
    from tests.clinic.staff import support

    admin = support.staff("admin", name="Ada Admin")
    _write(2, action="test.page")
    client = app.test_client()
    support.sign_in(client, admin)
    page = client.get("/staff/admin/audit?action=test.page").get_data(as_text=True)
    assert page.count("(not yet sealed)") == 2
    audit_seal.seal_pending()
    page = client.get("/staff/admin/audit?action=test.page").get_data(as_text=True)
    assert page.count("<code>test.page</code>") == 2 and "(not yet sealed)" not in page


# Tampering, by someone with the table owner's rights (the triggers lifted).


def _sealed(count: int) -> list[int]:
    ids = _write(count, action="test.tamper")
    audit_seal.seal_pending()
    return ids


def test_an_edited_event_is_named(app: Flask) -> None:
    ids = _sealed(3)
    with append_only_lifted():
        db.session.execute(update(TABLE).where(TABLE.c.id == ids[1]).values(ip="10.9.9.9"))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and f"event {ids[1]} was changed after it was written" in output


def test_an_inserted_event_is_named(app: Flask) -> None:
    ids = _sealed(2)
    last_seq, last_hash = db.session.execute(
        select(TABLE.c.seal_seq, TABLE.c.hash).where(TABLE.c.id == ids[-1])
    ).one()
    with append_only_lifted():
        forged = db.session.execute(
            insert(TABLE)
            .values(
                at=utcnow(),
                actor_kind="system",
                action="test.forged",
                detail={},
                seal_seq=last_seq + 1,
                prev_hash=last_hash,
                hash="f" * 64,
                key_id="t1",
                sealed_at=utcnow(),
            )
            .returning(TABLE.c.id)
        ).scalar_one()
        db.session.execute(
            update(AuditChainHead.__table__).values(last_event_id=forged, hash="f" * 64)
        )
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and f"event {forged} was changed after it was written" in output


def test_a_removed_event_is_named(app: Flask) -> None:
    ids = _sealed(3)
    with append_only_lifted():
        db.session.execute(TABLE.delete().where(TABLE.c.id == ids[1]))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and f"event {ids[2]} does not follow" in output


def test_reordered_events_are_named(app: Flask) -> None:
    ids = _sealed(3)
    first, second = (
        db.session.scalar(select(TABLE.c.seal_seq).where(TABLE.c.id == i)) for i in ids[:2]
    )
    with append_only_lifted():
        db.session.execute(update(TABLE).where(TABLE.c.id == ids[0]).values(seal_seq=-1))
        db.session.execute(update(TABLE).where(TABLE.c.id == ids[1]).values(seal_seq=first))
        db.session.execute(update(TABLE).where(TABLE.c.id == ids[0]).values(seal_seq=second))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and f"event {ids[1]} does not follow" in output


def test_an_event_moved_before_the_start_of_the_chain_is_named(app: Flask) -> None:
    ids = _sealed(3)
    with append_only_lifted():
        db.session.execute(update(TABLE).where(TABLE.c.id == ids[1]).values(seal_seq=0))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and f"event {ids[1]} does not follow" in output


# The exported heads.


def _heads(app: Flask) -> list[dict[str, object]]:
    path = audit_heads.heads_path()
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_head_is_exported_once_per_move_signed(app: Flask) -> None:
    assert audit_heads.export_head() is None  # nothing sealed yet
    _sealed(2)
    line = audit_heads.export_head()
    assert line is not None
    assert audit_heads.export_head() is None
    (exported,) = _heads(app)
    assert set(exported) == {"sealed_up_to_id", "head_mac", "time", "key_id", "signature"}
    head = db.session.get(AuditChainHead, 1)
    assert (exported["sealed_up_to_id"], exported["head_mac"]) == (head.last_event_id, head.hash)
    _sealed(1)
    assert app.test_cli_runner().invoke(args=["audit", "export-head"]).exit_code == 0
    assert len(_heads(app)) == 2
    assert audit.verify_chain().ok


def test_events_cut_off_the_end_below_an_exported_head_are_noticed(app: Flask) -> None:
    """The database's own head is rewritten to match: only the exported head tells."""
    ids = _sealed(3)
    audit_heads.export_head()
    kept = db.session.execute(select(TABLE.c.id, TABLE.c.hash).where(TABLE.c.id == ids[0])).one()
    with append_only_lifted():
        db.session.execute(TABLE.delete().where(TABLE.c.id.in_(ids[1:])))
        db.session.execute(
            update(AuditChainHead.__table__).values(last_event_id=kept.id, hash=kept.hash)
        )
        db.session.commit()
    code, output = _verify(app)
    assert code == 1
    assert f"sealed the chain up to event {ids[2]}" in output and "cut or rewritten" in output


def test_an_altered_exported_head_is_noticed(app: Flask) -> None:
    _sealed(1)
    audit_heads.export_head()
    path = audit_heads.heads_path()
    line = json.loads(path.read_text())
    line["head_mac"] = "0" * 64
    path.write_text(json.dumps(line) + "\n")
    code, output = _verify(app)
    assert code == 1 and "line 1 has a bad signature" in output


# Key rotation.


def test_events_sealed_under_an_old_key_still_verify_after_rotation(app: Flask) -> None:
    old_spec = app.config["ENCRYPTION_KEYS"]
    before = _sealed(2)
    audit_heads.export_head()
    app.extensions["keyring"] = KeyRing.parse(f"{new_encryption_key_entry('t2')},{old_spec}")
    after = _sealed(2)
    audit_heads.export_head()
    key_ids = {row.id: row.key_id for row in db.session.execute(select(TABLE.c.id, TABLE.c.key_id))}
    assert {key_ids[i] for i in before} == {"t1"} and {key_ids[i] for i in after} == {"t2"}
    assert [line["key_id"] for line in _heads(app)] == ["t1", "t2"]
    report = audit.verify_chain()
    assert report.ok, report.problems

    app.extensions["keyring"] = KeyRing.parse(new_encryption_key_entry("t2"))
    code, output = _verify(app)
    assert code == 1 and "sealed with key t1, which ENCRYPTION_KEYS no longer holds" in output
    app.extensions["keyring"] = KeyRing.parse(old_spec)


@pytest.mark.usefixtures("worker_celery")
def test_the_sealer_runs_on_the_maintenance_queue_from_beat(app: Flask) -> None:
    from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
    from workers.celery_app import worker_config
    from workers.tasks.audit import export_audit_head, seal_audit

    schedule = worker_config(app)["beat_schedule"]
    assert schedule["seal-audit"] == {
        "task": TaskNames.SEAL_AUDIT,
        "schedule": app.config["AUDIT_SEAL_SECONDS"],
    }
    assert schedule["export-audit-head"]["task"] == TaskNames.EXPORT_AUDIT_HEAD
    assert TASK_QUEUES[TaskNames.SEAL_AUDIT] == TASK_QUEUES[TaskNames.EXPORT_AUDIT_HEAD]
    assert TASK_QUEUES[TaskNames.SEAL_AUDIT] == Queues.MAINTENANCE
    ids = _write(2)
    assert seal_audit() is not None and _unsealed() == 0
    assert export_audit_head() == max(ids)
