"""The encryption key ring sealed to a passphrase, for escrow apart from the database.

Losing ENCRYPTION_KEYS loses every answer and contact detail, so the ring is
kept twice: in the deployment's secret store, and as this file, somewhere else
(a safe, an escrow service). The file is JSON: the key ids in clear (to tell
backups apart), and the ring sealed with AES-256-GCM under a key derived from
the passphrase with scrypt (N=2^17, r=8, p=1: 128 MiB and about a second per
try, so a stolen file resists guessing). The header is the associated data, so
changing it makes the file unreadable.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from clinic.models.encryption import KeyRing

FORMAT: Final = "clinic-key-ring-backup-1"
SCRYPT_N: Final = 2**17
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
MIN_PASSPHRASE_LENGTH: Final = 16


class BackupError(ValueError):
    """The file is not a key ring backup, or the passphrase is wrong."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _header(document: dict[str, Any]) -> bytes:
    fields = ("format", "key_ids", "kdf", "n", "r", "p", "salt")
    return json.dumps({f: document[f] for f in fields}, sort_keys=True).encode()


def seal(spec: str, passphrase: str) -> str:
    """The backup file's text for the ring `spec` (as in ENCRYPTION_KEYS)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise BackupError(f"choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters")
    ring = KeyRing.parse(spec)
    salt = os.urandom(16)
    document: dict[str, Any] = {
        "format": FORMAT,
        "key_ids": list(ring.keys),
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(salt),
    }
    nonce = os.urandom(12)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(key).encrypt(nonce, spec.encode(), _header(document))
    document["cipher"] = "aes-256-gcm"
    document["nonce"] = _b64(nonce)
    document["ciphertext"] = _b64(sealed)
    return json.dumps(document, indent=2) + "\n"


def unseal(text: str, passphrase: str) -> str:
    """The ENCRYPTION_KEYS value kept in a backup file."""
    try:
        document = json.loads(text)
        if document.get("format") != FORMAT or document.get("kdf") != "scrypt":
            raise BackupError("this is not a key ring backup of this application")
        salt = base64.b64decode(document["salt"])
        key = _derive(passphrase, salt, int(document["n"]), int(document["r"]), int(document["p"]))
        spec = (
            AESGCM(key)
            .decrypt(
                base64.b64decode(document["nonce"]),
                base64.b64decode(document["ciphertext"]),
                _header(document),
            )
            .decode()
        )
    except InvalidTag as exc:
        raise BackupError("wrong passphrase, or the file was changed") from exc
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError("this is not a key ring backup of this application") from exc
    KeyRing.parse(spec)
    return spec
