"""The one-time links' tokens: 256 random bits from `secrets`; only a hash is stored."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 of the token, as stored (an unguessable token needs no slow hash)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()
