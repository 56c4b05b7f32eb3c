"""Resume codes: unguessable (130 random bits), easy to read aloud, stored only as a hash.

A code is 26 characters of Crockford's base32 (digits and capitals without I, L, O
and U), shown in groups of four or five. Typing is forgiving: case, spaces and
hyphens are ignored, and O, I and L are read as 0, 1 and 1.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 26  # 26 x 5 bits = 130 bits
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str) -> str | None:
    """The code as stored from what someone typed, or None if it cannot be one."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_TYPO)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def code_hash(code: str) -> str:
    """SHA-256 of the normalised code (130 random bits need no slow hash)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def grouped(code: str) -> str:
    """For reading: XXXXX-XXXXX-XXXXX-XXXXX-XXXXXX."""
    return "-".join((code[0:5], code[5:10], code[10:15], code[15:20], code[20:]))
