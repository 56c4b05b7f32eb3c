"""`flask keys rotate` re-encrypts every encrypted column of every model, and `flask keys
status` says how many values each key still holds, so an old key can go."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.models.encryption import KeyRing
from clinic.security.instance_secrets import new_encryption_key_entry
from clinic.security.keys_cli import encrypted_models, values_per_key
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

CIPHERTEXT_COMMENT = "AES-GCM ciphertext bound to this row"


def _metadata_columns() -> set[str]:
    """Every encrypted column the tables declare (by name or by the ciphertext comment)."""
    return {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_encrypted") or column.comment == CIPHERTEXT_COMMENT
    }


def test_rotation_knows_every_encrypted_column_in_the_model_metadata() -> None:
    covered = {column for found in encrypted_models() for column in found.columns}
    assert covered == _metadata_columns()
    assert "notification_message.payload_encrypted" in covered


def _a_value_in_every_encrypted_column() -> None:
    """Rows of every model with an encrypted value, every such column set at least once."""
    submission = factories.submitted_intake(contact=factories.safe_email_contact())
    submission.scores = {"phq9": {"total": 3}}
    submission.decision = {"flags": [], "priority": "routine"}
    submission.support_pages = {"triggered": [], "seen": []}
    ref = support.referral("emdr", submission=submission)
    factories.referral_note(referral=ref)
    support.staff()  # an authenticator secret
    factories.notification_message()  # a payload: the address
    rescreen = factories.rescreen(rescreen_answers={"phq9.1": 1})  # answers, an invitation
    rescreen.scores = {"phq9": {"total": 1}}
    rescreen.assessment = {"priority": None, "reasons": [], "changes": []}
    db.session.commit()


def _plain_values() -> dict[tuple[str, object], Any]:
    values = {}
    for found in encrypted_models():
        for row in db.session.scalars(select(found.model)):
            for name in found.names:
                values[(f"{found.model.__tablename__}.{name}", row.id)] = getattr(row, name)
    return values


def test_rotate_re_encrypts_every_column_and_status_counts_values_per_key(app: Flask) -> None:
    _a_value_in_every_encrypted_column()
    before = values_per_key()
    unfilled = {column for column, per_key in before.items() if not per_key}
    assert not unfilled, f"give these columns a value in this test: {sorted(unfilled)}"
    assert set(before) == _metadata_columns()
    plain = _plain_values()
    old_spec = app.config["ENCRYPTION_KEYS"]
    new_spec = f"{new_encryption_key_entry('t2')},{old_spec}"
    app.extensions["keyring"] = KeyRing.parse(new_spec)
    runner = app.test_cli_runner()

    waiting = runner.invoke(args=["keys", "status"])
    assert waiting.exit_code == 0, waiting.output
    total = sum(sum(per_key.values()) for per_key in before.values())
    assert "key t2 (first: encrypts new values): 0 value(s)" in waiting.output
    assert f"key t1 (decrypts only): {total} value(s) — run `flask keys rotate`" in waiting.output
    payloads = before["notification_message.payload_encrypted"]["t1"]
    assert payloads >= 2  # the address, the invitation (and the alerts routing wrote)
    assert f"notification_message.payload_encrypted: t1 {payloads}" in waiting.output

    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert f"Re-encrypted {total} value(s) with key t2" in rotated.output

    db.session.expire_all()
    after = values_per_key()
    assert all(set(per_key) == {"t2"} for per_key in after.values()), after
    done = runner.invoke(args=["keys", "status"])
    assert "key t1 (decrypts only): 0 value(s) — can be removed" in done.output
    app.extensions["keyring"] = KeyRing.parse(new_spec.split(",")[0])  # the old key removed
    assert _plain_values() == plain


def test_status_names_values_under_a_key_no_longer_configured(app: Flask) -> None:
    factories.submitted_intake()
    db.session.commit()
    app.extensions["keyring"] = KeyRing.parse(new_encryption_key_entry("t2"))

    result = app.test_cli_runner().invoke(args=["keys", "status"])

    assert result.exit_code == 0, result.output
    assert "key t1 (not in ENCRYPTION_KEYS): 2 value(s) unreadable" in result.output
