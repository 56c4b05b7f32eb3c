"""Scores over time on the referral page: each instrument's totals, gathered and drawn.

`score_history` gathers the totals a client gave, per instrument, in time order: the
intake's scores (one point per instrument, at the time of submission) and those of each
re-screen while waiting the client sent (by the client's record, so after a merge of two
records, the re-screens of both).

Shown: the instruments a re-screen asks again (those with a reliable change in
`config/rescreen.yaml`), and any other instrument once it has more than one total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clinic.models import IntakeSubmission, Referral, Rescreen
from clinic.models.documents import scores_reading
from clinic.staff.charts import TrendChart, trend_chart
from clinic.staff.rescreen_rows import rescreens_of
from referrals.rescreen import default_rescreen_rules
from referrals.trends import INTAKE, RESCREEN, ScorePoint, Trend, trend_of


@dataclass(frozen=True)
class TrendView:
    trend: Trend
    chart: TrendChart


def score_history(referral: Referral) -> dict[str, list[ScorePoint]]:
    """Per instrument, the totals of this referral's client, oldest first."""
    series: dict[str, list[ScorePoint]] = {}
    for point in [*_intake_points(referral), *_rescreen_points(referral)]:
        series.setdefault(point.instrument, []).append(point)
    for points in series.values():
        points.sort(key=lambda p: p.at)
    return series


def _intake_points(referral: Referral) -> list[ScorePoint]:
    return _points(referral.submission, INTAKE)


def _rescreen_points(referral: Referral) -> Iterable[ScorePoint]:
    """The totals of the client's sent re-screens (an unreadable one adds nothing)."""
    for rescreen in rescreens_of(referral):
        yield from _points(rescreen, RESCREEN)


def _points(answered: IntakeSubmission | Rescreen, source: str) -> list[ScorePoint]:
    at = answered.submitted_at or answered.created_at
    scores: dict[str, dict[str, Any]] = scores_reading(answered).document or {}
    return [
        ScorePoint(instrument, at, result["total"], source)
        for instrument, result in scores.items()
        if isinstance(result, dict) and isinstance(result.get("total"), int)
    ]


def trend_views(referral: Referral) -> list[TrendView]:
    """The charts of the referral page, in the order the instruments were first answered."""
    rescreened = set(default_rescreen_rules().rules)
    views = []
    for instrument, points in score_history(referral).items():
        if instrument not in rescreened and len(points) < 2:
            continue
        trend = trend_of(instrument, points)
        if trend is None:
            continue
        first = trend.points[0].at
        chart = trend_chart(
            trend.low,
            trend.high,
            [(b.label, b.low, b.high) for b in trend.bands],
            [((p.at - first).total_seconds(), p.total, p.marker) for p in trend.points],
        )
        views.append(TrendView(trend, chart))
    return views
