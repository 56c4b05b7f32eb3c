"""Authenticated encryption of sensitive columns, bound to the row they belong to.

Each value is encrypted with AES-256-GCM under a fresh 96-bit random nonce. The
associated data is `table.column.row_id`, so a ciphertext copied into another
row (or column) fails to decrypt. The stored text is `v1.<key id>.<base64>`,
so keys can rotate: the first key of the ring encrypts, every key decrypts,
and `flask keys rotate` re-encrypts rows under the first key.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted: unknown key, tampering, or the wrong row."""


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id; `primary_id` names the key new values are encrypted with."""

    keys: dict[str, bytes]
    primary_id: str

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse `id:base64key,id:base64key` (the first is primary)."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for entry in filter(None, (part.strip() for part in spec.split(","))):
            key_id, sep, encoded = entry.partition(":")
            if not sep or not key_id or "." in key_id:
                raise ValueError("ENCRYPTION_KEYS entries must look like `key_id:base64key`")
            try:
                key = base64.urlsafe_b64decode(encoded)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"encryption key {key_id!r} is not valid base64") from exc
            if len(key) != 32:
                raise ValueError(f"encryption key {key_id!r} must be 32 bytes (AES-256)")
            if key_id in keys:
                raise ValueError(f"encryption key id {key_id!r} appears twice")
            keys[key_id] = key
            order.append(key_id)
        if not order:
            raise ValueError("ENCRYPTION_KEYS holds no key")
        return cls(keys=keys, primary_id=order[0])

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.primary_id]).encrypt(nonce, plaintext, associated_data)
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{FORMAT_VERSION}.{self.primary_id}.{body}"

    def decrypt(self, token: str, associated_data: bytes) -> bytes:
        try:
            version, key_id, body = token.split(".", 2)
        except ValueError as exc:
            raise DecryptionError("not an encrypted value") from exc
        if version != FORMAT_VERSION:
            raise DecryptionError(f"unknown format {version!r}")
        if key_id not in self.keys:
            raise DecryptionError(f"unknown key id {key_id!r}")
        raw = base64.urlsafe_b64decode(body)
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        try:
            return AESGCM(self.keys[key_id]).decrypt(nonce, sealed, associated_data)
        except InvalidTag as exc:
            raise DecryptionError("value does not belong to this row or was altered") from exc

    def key_id_of(self, token: str) -> str:
        return token.split(".", 2)[1]


def associated_data(table: str, column: str, row_id: object) -> bytes:
    return f"{table}.{column}.{row_id}".encode()


def encrypt_json(ring: KeyRing, value: object, *, table: str, column: str, row_id: object) -> str:
    plaintext = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return ring.encrypt(plaintext, associated_data(table, column, row_id))


def decrypt_json(ring: KeyRing, token: str, *, table: str, column: str, row_id: object) -> object:
    return json.loads(ring.decrypt(token, associated_data(table, column, row_id)))
