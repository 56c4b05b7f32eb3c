"""Time-based one-time codes (RFC 6238, via pyotp) and one-time recovery codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno

ISSUER = "Clinic intake"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_NOT_CODE = re.compile(r"[\s-]")


def new_secret() -> str:
    """A 160-bit base32 secret, as authenticator apps expect."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no image request, nothing leaves the page)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2))


def accepted_step(
    secret: str, code: str, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step the code belongs to (one step of clock drift allowed), or None.

    A step at or before `last_step` is refused, so a code cannot be replayed.
    """
    code = _NOT_CODE.sub("", code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Random 80-bit codes shown once, e.g. `K7QX-M2PA-9ZRT-4WBN`."""
    codes = []
    for _ in range(count):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_code_hash(code: str) -> str:
    """SHA-256 of the normalised code: the codes are random, so a slow hash adds nothing."""
    return hashlib.sha256(_NOT_CODE.sub("", code).upper().encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(_NOT_CODE.sub("", code)) == 16
