"""What a dashboard row says without opening the referral, and rows grouped into cases.

A row: priority, flags as worded badges, who filled the intake in and the age
band, the one-sentence explanation (the priority sentence stored with the
referral, in plain words), time waiting against the first-contact target, and
whether the intake was partial or left at the crisis page. The referrals of one
intake read as one case: its readable id (`INT-2026-0042`) heads them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral
from clinic.models.columns import utcnow
from clinic.models.documents import explanation_of, readable_answers_of
from clinic.staff.flags import flags_of
from clinic.staff.hooks import clinic_zone
from clinic.staff.labels import age_band, plain
from clinic.staff.sla import SlaState, parse_targets, sla_state
from referrals.flags import FlagLabel


@dataclass(frozen=True)
class Row:
    referral: Referral
    waited_seconds: float
    sla: SlaState
    flags: tuple[FlagLabel, ...]
    """The intake's decision flags, in reading order."""
    sentence: str = ""
    """Why, in one plain sentence: the priority sentence, else the referral's own."""

    @property
    def submission(self) -> IntakeSubmission:
        submission: IntakeSubmission = self.referral.submission
        return submission


class OtherReferral(NamedTuple):
    """A referral of a case's intake that the page does not list: what its link shows (a
    plain row, not a loaded referral: a page has a few hundred of them)."""

    id: uuid.UUID
    submission_id: uuid.UUID
    queue: str
    status: str


@dataclass
class Case:
    """One intake on the page: its readable id, who filled it in, and its referrals."""

    submission: IntakeSubmission
    age_band: str
    rows: list[Row] = field(default_factory=list)
    others: list[OtherReferral] = field(default_factory=list)
    """Referrals of the intake in the person's queues that this page does not list."""

    @property
    def reference(self) -> str:
        return reference_of(self.submission)


def reference_of(submission: IntakeSubmission) -> str:
    """The readable id; an intake never submitted (none) shows the start of its UUID."""
    return submission.reference or str(submission.id)[:8]


def _sentence(referral: Referral) -> str:
    explanation = explanation_of(referral)
    if explanation is None:
        return ""
    return plain(explanation.priority_sentence or explanation.sentence)


def rows_for(
    referrals: list[Referral], flags: Mapping[uuid.UUID, tuple[FlagLabel, ...]] | None = None
) -> list[Row]:
    """The referrals' rows; `flags`: their intakes' flags when already read (else one query)."""
    now = utcnow()
    targets = parse_targets(current_app.config["STAFF_SLA_TARGETS"])
    zone = clinic_zone()
    if flags is None:
        flags = flags_of({r.submission_id for r in referrals})
    return [
        Row(
            r,
            (now - r.created_at).total_seconds(),
            sla_state(
                priority=r.priority,
                status=r.status,
                created_at=r.created_at,
                now=now,
                targets=targets,
                zone=zone,
            ),
            flags.get(r.submission_id, ()),
            _sentence(r),
        )
        for r in referrals
    ]


def cases_of(rows: list[Row], queues: tuple[str, ...]) -> list[Case]:
    """The rows grouped by intake, in the order each intake first appears on the page."""
    cases: dict[uuid.UUID, Case] = {}
    for row in rows:
        submission = row.submission
        if submission.id not in cases:
            answers = readable_answers_of(submission)
            cases[submission.id] = Case(
                submission, age_band(answers.subject_age if answers is not None else None)
            )
        cases[submission.id].rows.append(row)
    shown = {row.referral.id for row in rows}
    if cases:
        for other in db.session.execute(
            select(Referral.id, Referral.submission_id, Referral.queue, Referral.status)
            .where(
                Referral.submission_id.in_(list(cases)),
                Referral.queue.in_(queues),
                Referral.id.not_in(shown),
            )
            .order_by(Referral.rank)
        ):
            cases[other.submission_id].others.append(OtherReferral(*other))
    return list(cases.values())
