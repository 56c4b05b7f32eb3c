from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import text

from clinic.extensions import db
from clinic.models import IntakeSubmission
from clinic.models.encryption import DecryptionError, KeyRing, decrypt_json, encrypt_json
from clinic.security.instance_secrets import new_encryption_key_entry
from tests import factories

CANARY_ANSWER_KEY = "phq9.9"
CANARY_EMAIL = "canary-7f3a@example.org"


def test_values_round_trip_and_differ_each_time() -> None:
    ring = KeyRing.parse(new_encryption_key_entry("a"))
    row_id = uuid.uuid4()
    first = encrypt_json(ring, {"x": 1}, table="t", column="c", row_id=row_id)
    second = encrypt_json(ring, {"x": 1}, table="t", column="c", row_id=row_id)
    assert first != second  # a fresh nonce per value
    assert decrypt_json(ring, first, table="t", column="c", row_id=row_id) == {"x": 1}


def test_ciphertext_of_one_row_does_not_decrypt_in_another() -> None:
    ring = KeyRing.parse(new_encryption_key_entry("a"))
    token = encrypt_json(ring, {"x": 1}, table="t", column="c", row_id="row-1")
    with pytest.raises(DecryptionError, match="does not belong"):
        decrypt_json(ring, token, table="t", column="c", row_id="row-2")
    with pytest.raises(DecryptionError):
        decrypt_json(ring, token, table="t", column="other", row_id="row-1")


def test_tampered_ciphertext_is_refused() -> None:
    ring = KeyRing.parse(new_encryption_key_entry("a"))
    token = encrypt_json(ring, {"x": 1}, table="t", column="c", row_id=1)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(DecryptionError):
        decrypt_json(ring, flipped, table="t", column="c", row_id=1)


def test_unknown_key_id_is_refused() -> None:
    old = KeyRing.parse(new_encryption_key_entry("old"))
    new = KeyRing.parse(new_encryption_key_entry("new"))
    token = encrypt_json(old, 1, table="t", column="c", row_id=1)
    with pytest.raises(DecryptionError, match="unknown key id 'old'"):
        decrypt_json(new, token, table="t", column="c", row_id=1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "holds no key"),
        ("nokey", "key_id:base64key"),
        ("a:c2hvcnQ=", "32 bytes"),
        (f"{new_encryption_key_entry('a')},{new_encryption_key_entry('a')}", "appears twice"),
    ],
    ids=["empty", "no-key", "short-key", "same-id-twice"],
)
def test_bad_key_settings_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KeyRing.parse(spec)


def test_first_key_encrypts_and_every_key_decrypts() -> None:
    old_entry, new_entry = new_encryption_key_entry("k1"), new_encryption_key_entry("k2")
    token = encrypt_json(KeyRing.parse(old_entry), "v", table="t", column="c", row_id=1)
    ring = KeyRing.parse(f"{new_entry},{old_entry}")
    assert ring.primary_id == "k2"
    assert decrypt_json(ring, token, table="t", column="c", row_id=1) == "v"
    assert ring.key_id_of(encrypt_json(ring, "v", table="t", column="c", row_id=1)) == "k2"


@pytest.mark.usefixtures("app_context")
def test_plain_sql_sees_only_ciphertext(app: Flask) -> None:
    submission = factories.submitted_intake(
        answers={CANARY_ANSWER_KEY: 3, "safety.now": 0}, contact={"email": CANARY_EMAIL}
    )
    db.session.commit()
    row = db.session.execute(
        text("SELECT answers_encrypted, contact_encrypted FROM intake_submission WHERE id = :id"),
        {"id": submission.id if db.engine.dialect.name == "postgresql" else submission.id.hex},
    ).one()
    stored = " ".join(row)
    for plaintext in (CANARY_ANSWER_KEY, "safety.now", CANARY_EMAIL, "canary", "subject_age"):
        assert plaintext not in stored
    assert all(value.startswith("v1.t1.") for value in row)
    assert submission.contact == {"email": CANARY_EMAIL}


@pytest.mark.usefixtures("app_context")
def test_ciphertext_moved_to_another_row_fails_to_decrypt(app: Flask) -> None:
    first = factories.submitted_intake(contact={"email": CANARY_EMAIL})
    second = factories.submitted_intake(contact={"email": "other@example.org"})
    second.contact_encrypted = first.contact_encrypted
    with pytest.raises(DecryptionError):
        _ = second.contact


@pytest.mark.usefixtures("app_context")
def test_keys_rotate_re_encrypts_every_row_and_leaves_it_readable(app: Flask) -> None:
    submissions = [
        factories.submitted_intake(answers={"safety.now": n % 2}, contact={"n": n})
        for n in range(3)
    ]
    db.session.commit()
    expected = {s.id: (s.answers, s.contact) for s in submissions}
    old_spec = app.config["ENCRYPTION_KEYS"]
    new_spec = f"{new_encryption_key_entry('t2')},{old_spec}"
    app.extensions["keyring"] = KeyRing.parse(new_spec)

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert "Re-encrypted 6 value(s) with key t2" in result.output
    db.session.expire_all()
    app.extensions["keyring"] = KeyRing.parse(new_spec.split(",")[0])  # old key removed
    for submission_id, (answers, contact) in expected.items():
        row = db.session.get(IntakeSubmission, submission_id)
        assert row is not None
        assert row.answers_encrypted.startswith("v1.t2.")
        assert (row.answers, row.contact) == (answers, contact)
