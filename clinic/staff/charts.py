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


TREND_WIDTH = 360
TREND_HEIGHT = 170
TREND_LEFT = 28
"""Room for the score ticks."""
TREND_RIGHT = 112
"""Room for the band names, right of the plot."""
TREND_TOP = 8
TREND_BOTTOM = 24
"""Room for the first and last dates."""


@dataclass(frozen=True)
class BandRect:
    y: float
    height: float
    label: str
    label_y: float
    shade: int


@dataclass(frozen=True)
class TrendDot:
    x: float
    y: float
    total: int
    marker: str | None
    """'worse' or 'better': a reliable change from the point before."""
    marker_y: float
    """The baseline of the marker's word: above the dot for worse, below for better (kept
    inside the plot)."""
    anchor: str
    """The word's text-anchor, so it stays inside the picture."""


@dataclass(frozen=True)
class TrendChart:
    """One instrument's totals over time on its scale, its bands shaded behind them."""

    bands: tuple[BandRect, ...]
    dots: tuple[TrendDot, ...]
    line: str
    """SVG polyline points joining the dots, in time order ("" for one dot)."""
    ticks: tuple[tuple[float, int], ...]
    """(y, score) at the foot of each band and at the top of the scale."""
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    band_label_x: int
    date_y: int
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT


def trend_chart(
    low: int,
    high: int,
    bands: Sequence[tuple[str, int, int]],
    points: Sequence[tuple[float, int, str | None]],
) -> TrendChart:
    """`points`: (seconds since the first, total, marker) in time order. Scores are whole
    numbers: value v occupies [v, v + 1) of the scale, its dot in the middle."""
    left, right = TREND_LEFT, TREND_WIDTH - TREND_RIGHT
    top, bottom = TREND_TOP, TREND_HEIGHT - TREND_BOTTOM
    span = (high + 1) - low

    def y(value: float) -> float:
        return round(top + (high + 1 - value) / span * (bottom - top), 1)

    last = max(len(bands) - 1, 1)
    rects = tuple(
        BandRect(
            y(min(hi, high) + 1),
            round(y(max(lo, low)) - y(min(hi, high) + 1), 1),
            label,
            round((y(max(lo, low)) + y(min(hi, high) + 1)) / 2 + 4, 1),
            round(3 * i / last),
        )
        for i, (label, lo, hi) in enumerate(bands)
    )
    dots = tuple(_dot(x, y(total + 0.5), total, marker) for x, total, marker in _xs(points))
    ticks = tuple((y(v + 0.5) + 4, v) for v in sorted({*(lo for _, lo, _ in bands), low, high}))
    line = " ".join(f"{d.x},{d.y}" for d in dots) if len(dots) > 1 else ""
    return TrendChart(
        rects, dots, line, ticks, left, right, top, bottom, right + 6, TREND_HEIGHT - 6
    )


def _xs(
    points: Sequence[tuple[float, int, str | None]],
) -> list[tuple[float, int, str | None]]:
    """Each point's x: by time; evenly when all are at one time; one point in the middle."""
    left, right = TREND_LEFT + 12, TREND_WIDTH - TREND_RIGHT - 12
    if len(points) == 1:
        _, total, marker = points[0]
        return [(round((left + right) / 2, 1), total, marker)]
    first, final = points[0][0], points[-1][0]
    placed = []
    for i, (seconds, total, marker) in enumerate(points):
        share = (seconds - first) / (final - first) if final > first else i / (len(points) - 1)
        placed.append((round(left + share * (right - left), 1), total, marker))
    return placed


def _dot(x: float, y: float, total: int, marker: str | None) -> TrendDot:
    top, bottom = 11, TREND_HEIGHT - TREND_BOTTOM - 2
    marker_y = round(max(y - 23, top) if marker != "better" else min(y + 31, bottom), 1)
    anchor = "end" if x > TREND_WIDTH - TREND_RIGHT - 30 else "start" if x < 60 else "middle"
    return TrendDot(x, y, total, marker, marker_y, anchor)
