"""What a dashboard row says without opening the referral, and rows grouped into cases.

A row: priority, flags as worded badges, who filled the intake in and the age
band, the one-sentence explanation (the priority sentence stored with the
referral, in plain words), time waiting against the first-contact target, and
whether the intake was partial or left at the crisis page. The referrals of one
intake read as one case: its readable id (`INT-2026-0042`) heads them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask import current_app

from clinic.models import IntakeSubmission, Referral
from clinic.models.columns import utcnow
from clinic.models.documents import explanation_of, readable_answers_of
from clinic.staff.flags import flags_of
from clinic.staff.hooks import LOCAL_FORMAT, clinic_zone, waited
from clinic.staff.labels import (
    RESPONDENT_LABELS,
    age_band,
    plain,
    priority_label,
    queue_label,
    status_label,
)
from clinic.staff.queue_query import IntakeReferral
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


class Link(NamedTuple):
    """A referral of a case's intake that the page does not list, as its link shows it."""

    href: str
    queue: str
    """The queue's name."""
    status: str
    """The status in words, lower case."""


class Line(NamedTuple):
    """A row's cells as the dashboard writes them, worked out once here: a page writes a
    few hundred of these values, and each costs more as a template expression."""

    href: str
    queue: str
    """The queue's name."""
    priority: str
    """The priority's code (the row's and the pill's class)."""
    priority_label: str
    overdue: bool
    worse: bool
    flags: tuple[str, ...]
    """The flags' labels, in reading order."""
    sentence: str
    status: str
    waited: str
    sla: str
    """"overdue", "soon" or "ok"; "" for a referral without a first-contact target."""
    sla_label: str
    target: str
    due: str
    since: str
    assignee: str


@dataclass
class Case:
    """One intake on the page: its readable id, who filled it in, and its referrals."""

    reference: str
    who: str
    """Who filled the intake in, in words."""
    age_band: str
    partial: bool
    left_at_crisis_page: bool
    lines: list[Line] = field(default_factory=list)
    others: list[Link] = field(default_factory=list)
    """Referrals of the intake in the person's queues that this page does not list."""

    @property
    def count(self) -> int:
        return len(self.lines) + len(self.others)


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


class _Words:
    """Codes in words, each translated once per page (a page names the same few statuses,
    priorities and queues hundreds of times)."""

    def __init__(self) -> None:
        self.zone = clinic_zone()
        self.targets = parse_targets(current_app.config["STAFF_SLA_TARGETS"])
        self._known: dict[tuple[str, str], str] = {}

    def of(self, kind: str, code: str) -> str:
        key = (kind, code)
        word = self._known.get(key)
        if word is None:
            word = self._known[key] = _WORDS[kind](code)
        return word

    def local(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime(LOCAL_FORMAT)


_WORDS: dict[str, Callable[[str], str]] = {
    "priority": priority_label,
    "status": status_label,
    "status_lower": lambda code: status_label(code).lower(),
    "queue": queue_label,
    "who": lambda path: str(RESPONDENT_LABELS.get(path, path)),
}


def _line(row: Row, href: str, words: _Words) -> Line:
    r = row.referral
    sla = row.sla
    due = sla.due
    target = words.targets.get(r.priority)
    assignee = r.assignee
    return Line(
        href=href,
        queue=words.of("queue", r.queue),
        priority=r.priority,
        priority_label=words.of("priority", r.priority),
        overdue=sla.breached,
        worse=r.worse_since is not None,
        flags=tuple(flag.label for flag in row.flags),
        sentence=row.sentence or "—",
        status=words.of("status", r.status),
        waited=waited(row.waited_seconds),
        sla="" if due is None else "overdue" if sla.breached else "soon" if sla.due_soon else "ok",
        sla_label=sla.label,
        target=target.label() if due is not None and target is not None else "",
        due="" if due is None else words.local(due),
        since="" if due is not None else words.local(r.created_at),
        assignee=assignee.display_name if assignee is not None else "—",
    )


def cases_of(
    rows: list[Row],
    intake_referrals: Mapping[uuid.UUID, list[IntakeReferral]],
    referral_url: Callable[[str], str],
) -> list[Case]:
    """The rows grouped by intake, in the order each intake first appears on the page, as
    the dashboard shows them. `intake_referrals`: each intake's referrals in the person's
    queues (`Page.intake_referrals`); `referral_url` links a referral's page."""
    words = _Words()
    cases: dict[uuid.UUID, Case] = {}
    for row in rows:
        submission = row.submission
        case = cases.get(submission.id)
        if case is None:
            answers = readable_answers_of(submission)
            case = cases[submission.id] = Case(
                reference=reference_of(submission),
                who=words.of("who", submission.path),
                age_band=age_band(answers.subject_age if answers is not None else None),
                partial=bool(submission.submitted_partial),
                left_at_crisis_page=bool(submission.left_at_crisis_page),
            )
        case.lines.append(_line(row, referral_url(str(row.referral.id)), words))
    shown = {str(row.referral.id) for row in rows}
    for submission_id, case in cases.items():
        case.others = [
            Link(
                referral_url(other.id),
                words.of("queue", other.queue),
                words.of("status_lower", other.status),
            )
            for other in intake_referrals.get(submission_id, ())
            if other.id not in shown
        ]
    return list(cases.values())
