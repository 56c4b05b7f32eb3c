"""Which decision flags each intake on a page carries (from the `submission_flag`
rows), as the labels `referrals.flags` gives them."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select

from clinic.models import SubmissionFlag
from clinic.models.reads import reads
from referrals.flags import FlagLabel, labels_of


def flags_of(submission_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, tuple[FlagLabel, ...]]:
    """Each intake's flags (one query); an intake without flags is left out."""
    if not submission_ids:
        return {}
    found: dict[uuid.UUID, list[str]] = {}
    rows = reads().execute(
        select(SubmissionFlag.submission_id, SubmissionFlag.flag).where(
            SubmissionFlag.submission_id.in_(set(submission_ids))
        )
    )
    for submission_id, flag in rows:
        found.setdefault(submission_id, []).append(flag)
    return {submission_id: labels_of(flags) for submission_id, flags in found.items()}
