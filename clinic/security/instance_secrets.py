"""Development secrets kept in the instance folder.

On first run in development a secret key and an encryption key are generated
into `instance/` (git-ignored) and reused after; production must set them in
the environment and never reaches this module.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path

SECRET_KEY_FILE = "secret_key"
ENCRYPTION_KEYS_FILE = "encryption_keys"


def new_encryption_key_entry(key_id: str) -> str:
    """A fresh `key_id:base64key` entry for ENCRYPTION_KEYS (256-bit AES key)."""
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def development_secret_key(instance_path: str) -> str:
    return _read_or_create(Path(instance_path) / SECRET_KEY_FILE, lambda: secrets.token_hex(32))


def development_encryption_keys(instance_path: str) -> str:
    return _read_or_create(
        Path(instance_path) / ENCRYPTION_KEYS_FILE, lambda: new_encryption_key_entry("k1")
    )


def add_development_encryption_key(instance_path: str) -> str:
    """Put a new key first in the instance key file (it becomes the one that encrypts)."""
    path = Path(instance_path) / ENCRYPTION_KEYS_FILE
    existing = development_encryption_keys(instance_path)
    ids = [entry.split(":", 1)[0] for entry in existing.split(",")]
    number = 1 + max(int(i[1:]) for i in ids if i[1:].isdigit())
    updated = f"{new_encryption_key_entry(f'k{number}')},{existing}"
    path.write_text(updated + "\n")
    return updated
