"""Scores over time: one instrument's totals in order, their bands, and what changed.

Each point is a total the client gave, at the intake or at a re-screen while waiting.
Between two points in a row, a change of at least the instrument's reliable change
(`config/rescreen.yaml`, read through `referrals.rescreen`) is marked reliably worse or
better; the summary compares the first total with the last, in the words staff read:
"PHQ-9 went from 12 (moderate) to 19 (moderately severe) over 6 weeks: a reliable
deterioration". An instrument with no reliable change set is described, never judged.

Pure: no Flask, no database. The console gathers the points (`clinic.staff.trends`)
and draws them (`clinic.staff.charts.trend_chart`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import forms
from referrals.rescreen import (
    ChangeRule,
    Direction,
    RescreenRules,
    ScoreChange,
    default_rescreen_rules,
)

INTAKE: Final = "intake"
RESCREEN: Final = "re-screen"


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One total of one instrument, when it was given, and where from (INTAKE, RESCREEN)."""

    instrument: str
    at: datetime
    total: int
    source: str = INTAKE


@dataclass(frozen=True, slots=True)
class Band:
    label: str
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class TrendPoint:
    at: datetime
    total: int
    band: str | None
    source: str
    change: ScoreChange | None
    """From the point before (None for the first, or without a reliable change set)."""

    @property
    def marker(self) -> str | None:
        """'worse' or 'better' for a reliable change from the point before, else None."""
        if self.change is None or self.change.direction is Direction.NO_RELIABLE_CHANGE:
            return None
        return "worse" if self.change.direction is Direction.DETERIORATED else "better"

    @property
    def change_words(self) -> str:
        """The change from the point before, for the table: "+7: reliably worse"."""
        if self.change is None:
            return "—"
        words = {
            Direction.DETERIORATED: "reliably worse",
            Direction.IMPROVED: "reliably better",
            Direction.NO_RELIABLE_CHANGE: "no reliable change",
        }[self.change.direction]
        return f"{self.change.change:+d}: {words}"


@dataclass(frozen=True, slots=True)
class Trend:
    instrument: str
    name: str
    low: int
    high: int
    bands: tuple[Band, ...]
    points: tuple[TrendPoint, ...]
    reliable_change: int | None
    overall: ScoreChange | None
    """First total against the last (None with fewer than two points or no rule)."""

    @property
    def summary(self) -> str:
        return summary_of(self)


def band_of(total: int, bands: Iterable[Band]) -> str | None:
    return next((b.label for b in bands if b.low <= total <= b.high), None)


def trend_of(
    instrument: str, points: Iterable[ScorePoint], rules: RescreenRules | None = None
) -> Trend | None:
    """The instrument's points in time order, with bands and reliable changes; None for an
    instrument that is not known or has no total range (nothing to draw on a scale)."""
    try:
        definition = forms.get_definition(instrument)
    except forms.UnknownInstrument:
        return None
    scoring = definition.scoring
    if scoring is None or scoring.total_range is None:
        return None
    rule = (rules or default_rescreen_rules()).rules.get(instrument)
    bands = tuple(Band(b.id.replace("_", " "), b.min, b.max) for b in scoring.bands)
    ordered = sorted((p for p in points if p.instrument == instrument), key=lambda p: p.at)
    shown: list[TrendPoint] = []
    for i, point in enumerate(ordered):
        change = _change(rule, ordered[i - 1].total, point.total) if i else None
        shown.append(
            TrendPoint(point.at, point.total, band_of(point.total, bands), point.source, change)
        )
    overall = None
    if len(ordered) > 1:
        overall = _change(rule, ordered[0].total, ordered[-1].total)
    low, high = scoring.total_range
    return Trend(
        instrument,
        short_name(definition.name or instrument),
        low,
        high,
        bands,
        tuple(shown),
        rule.reliable_change if rule else None,
        overall,
    )


def short_name(name: str) -> str:
    """The abbreviation staff say: "PHQ-9" from "Patient Health Questionnaire-9 (PHQ-9)"."""
    found = re.search(r"\(([^()]+)\)\s*$", name)
    return found.group(1) if found else name


def _change(rule: ChangeRule | None, before: int, after: int) -> ScoreChange | None:
    if rule is None:
        return None
    remission = rule.remission_below is not None and after < rule.remission_below <= before
    return ScoreChange(rule.instrument, before, after, rule.reliable_change, remission)


def span_words(span: timedelta) -> str:
    """ "the same day", "3 days", "6 weeks" (days under two weeks, else nearest weeks)."""
    days = round(span / timedelta(days=1))
    if days < 1:
        return "the same day"
    if days == 1:
        return "1 day"
    if days < 14:
        return f"{days} days"
    return f"{round(days / 7)} weeks"


def _total_words(point: TrendPoint) -> str:
    return f"{point.total} ({point.band})" if point.band else str(point.total)


VERDICTS: Final = {
    Direction.DETERIORATED: "a reliable deterioration",
    Direction.IMPROVED: "a reliable improvement",
    Direction.NO_RELIABLE_CHANGE: "no reliable change",
}


def summary_of(trend: Trend) -> str:
    """One sentence for staff (and the chart's text alternative)."""
    if not trend.points:
        return f"{trend.name}: no total recorded."
    first, last = trend.points[0], trend.points[-1]
    if len(trend.points) == 1:
        return f"{trend.name}: {_total_words(first)} at the {first.source}; not answered again yet."
    over = span_words(last.at - first.at)
    over = over if over == "the same day" else f"over {over}"
    moved = f"{trend.name} went from {_total_words(first)} to {_total_words(last)} {over}"
    if trend.overall is None:
        return f"{moved} (no reliable-change threshold is set for it)."
    verdict = VERDICTS[trend.overall.direction]
    remission = ", now in remission" if trend.overall.remission else ""
    return f"{moved}: {verdict}{remission}."
