"""The key ring's escrow file: only the passphrase opens it, and any change to it is
refused."""

from __future__ import annotations

import json

import pytest

from clinic.security.instance_secrets import new_encryption_key_entry
from clinic.security.key_backup import BackupError, seal, unseal

PASSPHRASE = "a passphrase for the escrow test"


def test_only_the_passphrase_opens_the_backup_and_a_changed_file_is_refused() -> None:
    spec = f"{new_encryption_key_entry('k2')},{new_encryption_key_entry('k1')}"
    text = seal(spec, PASSPHRASE)
    document = json.loads(text)
    assert document["key_ids"] == ["k2", "k1"]
    assert spec.split(":")[1].split(",")[0] not in text
    assert unseal(text, PASSPHRASE) == spec

    with pytest.raises(BackupError, match="wrong passphrase"):
        unseal(text, PASSPHRASE + "!")
    document["key_ids"] = ["k9"]
    with pytest.raises(BackupError, match="wrong passphrase, or the file was changed"):
        unseal(json.dumps(document), PASSPHRASE)
    with pytest.raises(BackupError, match="not a key ring backup"):
        unseal('{"format": "something else"}', PASSPHRASE)
    with pytest.raises(BackupError, match="at least 16 characters"):
        seal(spec, "short")
