"""A referral's re-screens for its page: when, what the assessment found, the check-in.

Read from the client's re-screens (the assessment's sentences are decrypted here, for the
referral page only, and the page view is audited as a whole by `viewing.referral`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Referral, Rescreen
from clinic.staff.reasons import STILL_WAITING_REASONS

CHECK_IN_LABELS = {
    "still_waiting": "Still waiting and would like to be seen",
    "no_longer_needed": "Said they no longer need this service",
    "found_help": "Said they found help somewhere else",
}


@dataclass(frozen=True)
class RescreenRow:
    submitted_at: Any
    assessed: bool
    reasons: tuple[str, ...]
    changes: tuple[str, ...]
    still_waiting: str | None
    unreadable: bool = False


def rescreens_of(referral: Referral) -> Sequence[Rescreen]:
    client_id = referral.submission.client_id
    if client_id is None:
        return ()
    return db.session.scalars(
        select(Rescreen)
        .where(Rescreen.client_id == client_id, Rescreen.status != "open")
        .order_by(Rescreen.submitted_at.desc())
    ).all()


def _row(rescreen: Rescreen) -> RescreenRow:
    label = CHECK_IN_LABELS.get(rescreen.still_waiting or "")
    try:
        assessment = rescreen.assessment or {}
    except Exception:  # an unreadable document is shown as such, never hides the rest
        return RescreenRow(rescreen.submitted_at, False, (), (), label, unreadable=True)
    changes = tuple(c.get("sentence", "") for c in assessment.get("changes", []))
    return RescreenRow(
        rescreen.submitted_at,
        rescreen.status == "assessed",
        tuple(assessment.get("reasons", [])),
        changes,
        label,
    )


def rows(referral: Referral) -> tuple[list[RescreenRow], str | None]:
    """The rows, newest first, and the decline reason the latest check-in offers."""
    found = rescreens_of(referral)
    latest = found[0].still_waiting if found else None
    return [_row(r) for r in found], STILL_WAITING_REASONS.get(latest or "")
