"""Geometry of the small server-rendered SVG pictures (score bars, overview charts).

Only numbers here; the templates draw them (`templates/staff/svg.html`), and
every picture also states its values in words for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_WIDTH = 260
BAR_HEIGHT = 28
PAD = 4


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    label: str
    shade: int
    """0 (lightest) to 3 (darkest): the band's position in the range."""


@dataclass(frozen=True)
class ScoreBar:
    """An instrument's range as bands, the cut-off as a line, the score as a marker."""

    segments: tuple[Segment, ...]
    cut_off_x: float | None
    score_x: float | None
    width: int = BAR_WIDTH
    height: int = BAR_HEIGHT


def score_bar(
    total: int | None,
    low: int,
    high: int,
    bands: Sequence[tuple[str, int, int]],
    cut_off: int | None,
) -> ScoreBar:
    """Scores are whole numbers: value v occupies [v, v + 1) on the scale."""
    span = (high + 1) - low
    inner = BAR_WIDTH - 2 * PAD

    def x(value: float) -> float:
        return round(PAD + (value - low) / span * inner, 1)

    if bands:
        last = max(len(bands) - 1, 1)
        segments = tuple(
            Segment(x(lo), round(x(hi + 1) - x(lo), 1), label, round(3 * i / last))
            for i, (label, lo, hi) in enumerate(bands)
        )
    elif cut_off is not None:
        segments = (
            Segment(x(low), round(x(cut_off) - x(low), 1), "below cut-off", 0),
            Segment(x(cut_off), round(x(high + 1) - x(cut_off), 1), "at or above cut-off", 2),
        )
    else:
        segments = (Segment(x(low), round(x(high + 1) - x(low), 1), "range", 0),)
    return ScoreBar(
        segments=segments,
        cut_off_x=None if cut_off is None else x(cut_off),
        score_x=None if total is None else x(total + 0.5),
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per label, scaled to the largest value."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


def bar_chart(
    rows: Sequence[tuple[str, float, str]], *, width: int = 420, row_height: int = 26
) -> BarChart:
    label_width = 150
    text_room = 90
    largest = max((value for _, value, _ in rows), default=0) or 1
    room = width - label_width - text_room
    bars = tuple(
        Bar(label, value, text, i * row_height, round(value / largest * room, 1))
        for i, (label, value, text) in enumerate(rows)
    )
    return BarChart(bars, width, max(len(rows), 1) * row_height, label_width)


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class ColumnChart:
    """Vertical columns (e.g. referrals per week), scaled to a shared maximum."""

    columns: tuple[Column, ...]
    width: int
    height: int
    column_width: float


def column_chart(
    values: Sequence[tuple[str, int]], *, largest: int, width: int = 240, height: int = 80
) -> ColumnChart:
    count = max(len(values), 1)
    slot = width / count
    column_width = round(slot * 0.7, 1)
    columns = []
    for i, (label, value) in enumerate(values):
        h = round(value / (largest or 1) * (height - 4), 1)
        columns.append(
            Column(label, value, round(i * slot + slot * 0.15, 1), round(height - h, 1), h)
        )
    return ColumnChart(tuple(columns), width, height, column_width)
