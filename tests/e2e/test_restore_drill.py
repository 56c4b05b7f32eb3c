"""The restore drill: a populated PostgreSQL database is dumped with pg_dump and
restored into a fresh one; the key ring comes back from its escrow file
(`flask keys export-backup` / `import-backup`, with no other setting); the app on
the restored database reads every encrypted column of every row back, unchanged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from clinic import create_app
from clinic.extensions import db
from clinic.models.columns import EncryptedJSON
from clinic.security.instance_secrets import new_encryption_key_entry
from config.settings import SETTINGS
from tests import factories
from tests.conftest import TEST_BASE_URL, TEST_SECRET_KEY, apply_migrations
from tests.support.services import create_postgres_database, drop_postgres_database, service_url

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "drill passphrase, kept apart"
Values = dict[tuple[str, str, str], Any]


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """The live database and the empty one it is restored into."""
    base = service_url("postgres")
    live, fresh = create_postgres_database(base), create_postgres_database(base)
    yield live, fresh
    drop_postgres_database(live)
    drop_postgres_database(fresh)


def _app(database_url: str, keys: str, instance: Path) -> Flask:
    return create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "ENCRYPTION_KEYS": keys,
            "CELERY_BROKER_URL": "memory://",
            "CLINIC_BASE_URL": TEST_BASE_URL,
        }
    )


def _encrypted_columns() -> dict[type[Any], list[str]]:
    found: dict[type[Any], list[str]] = {}
    for mapper in db.Model.registry.mappers:
        names = [n for n, v in vars(mapper.class_).items() if isinstance(v, EncryptedJSON)]
        if names:
            found[mapper.class_] = names
    return found


def _every_encrypted_value() -> Values:
    values: Values = {}
    for model, names in _encrypted_columns().items():
        for row in db.session.scalars(select(model)):
            for name in names:
                values[(model.__tablename__, str(row.id), name)] = getattr(row, name)
    return values


def _populate() -> None:
    """A row of every kind that has an encrypted column, each column filled."""
    routed = factories.routed_intake(contact=factories.safe_email_contact())
    factories.referral_note(referral=routed.referrals[0])
    factories.notification_message()
    factories.draft(answers={"safety.now": 1}).support_pages = {"triggered": ["crisis"], "seen": []}
    factories.paged_draft()
    user = factories.clinician()
    user.mfa_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    rescreen = factories.rescreen(rescreen_answers={"phq9.1": 1})  # answers, an invitation
    rescreen.scores = {"phq9": {"total": 1}}
    rescreen.assessment = {"priority": None, "reasons": [], "changes": []}
    db.session.commit()


def _flask(env: dict[str, str], *args: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {s.name for s in SETTINGS}}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "clinic", "keys", *args],
        env={**clean, **env, "KEY_BACKUP_PASSPHRASE": PASSPHRASE},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _pg(tool: str, *args: str) -> None:
    binary = shutil.which(tool)
    assert binary, f"{tool} is needed for the restore drill (package postgresql-client)"
    subprocess.run([binary, *args], check=True, capture_output=True, timeout=300)


def test_a_dump_restored_with_the_escrowed_key_ring_reads_back(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    live, fresh = databases
    keys = f"{new_encryption_key_entry('k2')},{new_encryption_key_entry('k1')}"
    apply_migrations(live, tmp_path / "migrate")
    app = _app(live, keys, tmp_path / "live")
    with app.app_context():
        _populate()
        before = _every_encrypted_value()
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        every_column = {
            (model.__tablename__, name)
            for model, names in _encrypted_columns().items()
            for name in names
        }
    filled = {(table, name) for (table, _, name), value in before.items() if value is not None}
    assert filled == every_column  # each encrypted column holds a value in some row

    escrow = tmp_path / "key-ring.backup"
    _flask(
        {"DATABASE_URL": live, "ENCRYPTION_KEYS": keys, "INSTANCE_PATH": str(tmp_path / "cli")},
        "export-backup",
        "--output",
        str(escrow),
    )
    assert keys.split(":")[1] not in escrow.read_text()

    dump = tmp_path / "clinic.dump"
    libpq = make_url(live).set(drivername="postgresql").render_as_string(hide_password=False)
    _pg("pg_dump", "--format=custom", "--file", str(dump), libpq)
    fresh_libpq = make_url(fresh).set(drivername="postgresql").render_as_string(hide_password=False)
    _pg("pg_restore", "--no-owner", "--exit-on-error", "--dbname", fresh_libpq, str(dump))

    restored_keys = _flask({"APP_ENV": "production"}, "import-backup", str(escrow)).strip()
    assert restored_keys == keys

    restored = _app(fresh, restored_keys, tmp_path / "restored")
    with restored.app_context():
        after = _every_encrypted_value()
        db.session.remove()
        db.engine.dispose()
    assert after == before
