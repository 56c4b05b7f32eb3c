"""Second factor: setting up the authenticator app, checking codes, recovery codes."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import StaffRecoveryCode, StaffUser
from clinic.models.columns import utcnow
from clinic.security import audit, totp

Method = Literal["totp", "recovery_code"]


def enrolment_secret(user: StaffUser) -> str:
    """The secret to show while the app is not set up yet (kept, encrypted, until confirmed)."""
    if user.has_mfa:
        raise ValueError("the authenticator app is already set up")
    if user.mfa_secret is None:
        user.mfa_secret = totp.new_secret()
    secret: str = user.mfa_secret
    return secret


def confirm_enrolment(user: StaffUser, code: str) -> list[str] | None:
    """Finish setting up with a first code; return the recovery codes (shown once)."""
    step = totp.accepted_step(enrolment_secret(user), code, None)
    if step is None:
        audit.record("staff.mfa_failed", actor=user, detail={"stage": "enrolment"})
        return None
    user.mfa_confirmed_at = utcnow()
    user.mfa_last_step = step
    codes = totp.new_recovery_codes()
    user.recovery_codes = [StaffRecoveryCode(code_hash=totp.recovery_code_hash(c)) for c in codes]
    audit.record("staff.mfa_enrolled", actor=user)
    return codes


def verify(user: StaffUser, code: str) -> Method | None:
    """Check a sign-in code: an authenticator code, or an unused recovery code."""
    if totp.looks_like_recovery_code(code):
        used = db.session.scalars(
            select(StaffRecoveryCode).where(
                StaffRecoveryCode.staff_user_id == user.id,
                StaffRecoveryCode.code_hash == totp.recovery_code_hash(code),
                StaffRecoveryCode.used_at.is_(None),
            )
        ).one_or_none()
        if used is not None:
            used.used_at = utcnow()
            left = sum(1 for c in user.recovery_codes if c.used_at is None)
            audit.record("staff.mfa_recovery_code_used", actor=user, detail={"left": left})
            return "recovery_code"
    elif user.mfa_secret is not None:
        step = totp.accepted_step(user.mfa_secret, code, user.mfa_last_step)
        if step is not None:
            user.mfa_last_step = step
            return "totp"
    audit.record("staff.mfa_failed", actor=user, detail={"stage": "sign_in"})
    return None


def unused_recovery_codes(user: StaffUser) -> int:
    return sum(1 for c in user.recovery_codes if c.used_at is None)


def regenerate_recovery_codes(user: StaffUser, code: str) -> list[str] | None:
    """New recovery codes for a signed-in account, replacing every old one (shown once).

    Only a current authenticator code will do: a recovery code (used or not) is
    refused like a wrong code, so one stolen code cannot mint ten more.
    """
    step = None
    if user.mfa_secret is not None and not totp.looks_like_recovery_code(code):
        step = totp.accepted_step(user.mfa_secret, code, user.mfa_last_step)
    if step is None:
        audit.record("staff.mfa_failed", actor=user, detail={"stage": "new_recovery_codes"})
        return None
    user.mfa_last_step = step
    codes = totp.new_recovery_codes()
    user.recovery_codes = [StaffRecoveryCode(code_hash=totp.recovery_code_hash(c)) for c in codes]
    audit.record("staff.recovery_codes_regenerated", actor=user, detail={"count": len(codes)})
    return codes


def reset(user: StaffUser, *, actor: StaffUser | None = None) -> None:
    """Forget the app and recovery codes: set up again at the next sign-in; sessions end."""
    user.mfa_secret = None
    user.mfa_confirmed_at = None
    user.mfa_last_step = None
    user.recovery_codes = []
    user.session_version += 1
    audit.record(
        "staff.mfa_reset",
        target_type="staff_user",
        target_id=user.id,
        actor=actor,
        actor_kind=None if actor else "system",
    )
