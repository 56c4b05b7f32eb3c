"""Scores over time: bands, reliable changes at their boundaries, the summary in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from referrals.rescreen import RescreenRules, load_rescreen_rules
from referrals.trends import RESCREEN, ScorePoint, span_words, summary_of, trend_of

START = datetime(2026, 10, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)


def _points(instrument: str, *totals: tuple[int, int]) -> list[ScorePoint]:
    """(days after the start, total) pairs; the first is the intake, the rest re-screens."""
    return [
        ScorePoint(instrument, START + days * DAY, total, RESCREEN if i else "intake")
        for i, (days, total) in enumerate(totals)
    ]


def test_the_summary_reads_as_the_issue_asks() -> None:
    trend = trend_of("phq9", _points("phq9", (0, 12), (42, 19)))
    assert trend is not None
    assert summary_of(trend) == (
        "PHQ-9 went from 12 (moderate) to 19 (moderately severe) over 6 weeks: "
        "a reliable deterioration."
    )
    assert [p.marker for p in trend.points] == [None, "worse"]
    assert [p.change_words for p in trend.points] == ["—", "+7: reliably worse"]


@pytest.mark.parametrize(
    ("instrument", "before", "after", "marker", "verdict"),
    [
        ("phq9", 10, 16, "worse", "a reliable deterioration"),  # +6: the threshold
        ("phq9", 10, 15, None, "no reliable change"),  # +5: one short
        ("phq9", 16, 10, "better", "a reliable improvement"),  # -6
        ("phq9", 15, 10, None, "no reliable change"),  # -5
        ("gad7", 8, 12, "worse", "a reliable deterioration"),  # +4: the threshold
        ("gad7", 8, 11, None, "no reliable change"),  # +3
        ("gad7", 12, 8, "better", "a reliable improvement"),  # -4
    ],
)
def test_reliable_change_at_its_boundaries(
    instrument: str, before: int, after: int, marker: str | None, verdict: str
) -> None:
    trend = trend_of(instrument, _points(instrument, (0, before), (14, after)))
    assert trend is not None
    assert trend.points[-1].marker == marker
    assert trend.summary.endswith(f"over 2 weeks: {verdict}.")


def test_remission_is_said_below_5_from_5_or_more() -> None:
    into = trend_of("phq9", _points("phq9", (0, 10), (14, 4)))
    stays = trend_of("phq9", _points("phq9", (0, 4), (14, 3)))
    assert into is not None and stays is not None
    assert into.summary.endswith("a reliable improvement, now in remission.")
    assert "remission" not in stays.summary


def test_each_step_is_judged_against_the_one_before_and_the_summary_first_to_last() -> None:
    trend = trend_of("phq9", _points("phq9", (0, 5), (14, 8), (28, 11), (42, 9)))
    assert trend is not None
    assert [p.marker for p in trend.points] == [None, None, None, None]
    assert trend.summary.endswith("over 6 weeks: no reliable change.")
    jumped = trend_of("phq9", _points("phq9", (0, 5), (14, 12), (28, 11)))
    assert jumped is not None
    assert [p.marker for p in jumped.points] == [None, "worse", None]
    assert jumped.summary.endswith("a reliable deterioration.")


def test_points_are_put_in_time_order_and_other_instruments_left_out() -> None:
    mixed = [*_points("phq9", (14, 20)), *_points("phq9", (0, 9)), *_points("gad7", (0, 3))]
    trend = trend_of("phq9", mixed)
    assert trend is not None
    assert [p.total for p in trend.points] == [9, 20]
    assert [p.band for p in trend.points] == ["mild", "severe"]


def test_one_total_says_it_was_not_asked_again() -> None:
    trend = trend_of("gad7", _points("gad7", (0, 15)))
    assert trend is not None
    assert trend.summary == "GAD-7: 15 (severe) at the intake; not answered again yet."


def test_an_instrument_without_a_reliable_change_is_described_never_judged() -> None:
    trend = trend_of("auditc", _points("auditc", (0, 3), (10, 9)))
    assert trend is not None
    assert trend.reliable_change is None
    assert [p.marker for p in trend.points] == [None, None]
    assert trend.summary.endswith("over 10 days (no reliable-change threshold is set for it).")


def test_a_configured_reliability_gives_the_threshold(tmp_path: Path) -> None:
    file = tmp_path / "rescreen.yaml"
    file.write_text(
        'version: "t"\ninstruments:\n  phq9: {reliability: 0.84, sd: 4.0, source: test}\n'
    )
    rules: RescreenRules = load_rescreen_rules(file)  # 1.96 x 4 x sqrt(0.32) = 4.43 -> 5
    five = trend_of("phq9", _points("phq9", (0, 10), (7, 15)), rules)
    four = trend_of("phq9", _points("phq9", (0, 10), (7, 14)), rules)
    assert five is not None and four is not None
    assert (five.points[-1].marker, four.points[-1].marker) == ("worse", None)


def test_no_scale_no_trend() -> None:
    assert trend_of("asq", _points("asq", (0, 1))) is None
    assert trend_of("no-such-instrument", []) is None


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(hours=3), "the same day"),
        (DAY, "1 day"),
        (13 * DAY, "13 days"),
        (14 * DAY, "2 weeks"),
        (45 * DAY, "6 weeks"),
    ],
)
def test_spans_in_words(span: timedelta, words: str) -> None:
    assert span_words(span) == words
