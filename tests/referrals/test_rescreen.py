"""Re-screens while waiting: reliable change and remission at their published boundaries,
new safety facts, and the re-screen rule file."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms
from referrals.rescreen import (
    Direction,
    RescreenAssessment,
    RescreenFileError,
    assess_rescreen,
    default_rescreen_rules,
    load_rescreen_rules,
    reliable_change_from,
)
from referrals.ruleset import Priority

SAFE = {"safety.now": 1}


def _items(instrument: str, count: int, total: int, last: int = 0) -> dict[str, int | None]:
    """Answers to items 1..count with this total (item `count` answered `last`), each 0-3."""
    answers: dict[str, int | None] = {f"{instrument}.{count}": last}
    left = total - last
    for number in range(1, count):
        value = min(3, left)
        answers[f"{instrument}.{number}"] = value
        left -= value
    assert left == 0, "total too high for the items"
    return answers


def _assess(
    before: dict[str, int | None],
    answers: dict[str, int | None],
    facts_before: frozenset[str] = frozenset(),
) -> RescreenAssessment:
    asked = [
        name for name in ("phq9", "gad7", "asq") if any(k.startswith(f"{name}.") for k in answers)
    ]
    scores = {name: forms.score(name, answers) for name in asked}
    return assess_rescreen(before, {**SAFE, **answers}, scores, 34, facts_before=facts_before)


PHQ9_CASES = [
    # before, after, direction, remission, priority
    (8, 13, Direction.NO_RELIABLE_CHANGE, False, None),
    (8, 14, Direction.DETERIORATED, False, Priority.PRIORITY),
    (14, 9, Direction.NO_RELIABLE_CHANGE, False, None),
    (14, 8, Direction.IMPROVED, False, None),
    (5, 4, Direction.NO_RELIABLE_CHANGE, True, None),
    (5, 5, Direction.NO_RELIABLE_CHANGE, False, None),
    (4, 3, Direction.NO_RELIABLE_CHANGE, False, None),
    (10, 4, Direction.IMPROVED, True, None),
]


@pytest.mark.parametrize(("before", "after", "direction", "remission", "priority"), PHQ9_CASES)
def test_phq9_reliable_change_is_6_and_remission_below_5(
    before: int, after: int, direction: Direction, remission: bool, priority: Priority | None
) -> None:
    assessment = _assess({"phq9": before}, {**_items("phq9", 9, after), "phq9.10": 0})
    (change,) = assessment.changes
    assert (change.direction, change.remission, assessment.priority) == (
        direction,
        remission,
        priority,
    )


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [
        (5, 8, Direction.NO_RELIABLE_CHANGE),
        (5, 9, Direction.DETERIORATED),
        (9, 5, Direction.IMPROVED),
    ],
)
def test_gad7_reliable_change_is_4(before: int, after: int, direction: Direction) -> None:
    assessment = _assess({"gad7": before}, _items("gad7", 7, after))
    (change,) = assessment.changes
    assert change.direction == direction and not change.remission
    assert assessment.worse is (direction is Direction.DETERIORATED)


def test_improvement_never_lowers_anything() -> None:
    assessment = _assess({"phq9": 20}, {**_items("phq9", 9, 2), "phq9.10": 0})
    assert assessment.priority is None
    assert assessment.changes[0].sentence() == (
        "PHQ-9 20 to 2: reliably better (a fall of 6 or more); now in remission"
    )


def test_suicide_item_now_raises_to_priority_and_says_it_is_new() -> None:
    answers = {**_items("phq9", 9, 9, last=1), "phq9.10": 0}
    assessment = _assess({"phq9": 8}, answers)
    assert assessment.priority == Priority.PRIORITY
    assert assessment.reasons[0].startswith("suicide risk new since the last answers")
    again = _assess({"phq9": 8}, answers, facts_before=frozenset({"suicide_risk"}))
    assert again.reasons[0].startswith("suicide risk still there")


def test_acute_now_is_urgent() -> None:
    answers = {"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": 1}
    assessment = _assess({}, answers)
    assert assessment.priority == Priority.URGENT
    assert assessment.reasons[0].startswith("acute now")


def test_an_instrument_not_answered_again_is_not_compared() -> None:
    assessment = _assess({"phq9": 8, "gad7": 3}, _items("gad7", 7, 3))
    assert [c.instrument for c in assessment.changes] == ["gad7"]


@pytest.mark.parametrize(
    ("sd", "reliability", "threshold"),
    [(5.8, 0.84, 7), (4.0, 0.9, 4), (1.0, 0.5, 2)],
)
def test_reliable_change_computed_from_reliability(
    sd: float, reliability: float, threshold: int
) -> None:
    assert reliable_change_from(sd, reliability) == threshold


def test_the_shipped_file_holds_the_published_thresholds() -> None:
    rules = default_rescreen_rules()
    assert rules.rules["phq9"].reliable_change == 6
    assert rules.rules["phq9"].remission_below == 5
    assert rules.rules["gad7"].reliable_change == 4


def test_a_file_may_compute_the_threshold(tmp_path: Path) -> None:
    file = tmp_path / "rescreen.yaml"
    file.write_text(
        "version: local-1\ninstruments:\n  phq9: {reliability: 0.84, sd: 5.8, source: x}\n"
    )
    assert load_rescreen_rules(file).rules["phq9"].reliable_change == 7


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{source: x}", "give reliable_change, or reliability and sd"),
        ("{reliable_change: 6, sd: 5, reliability: 0.8, source: x}", "not both"),
        ("{reliability: 0.8, source: x}", "go together"),
        ("{reliable_change: 0, source: x}", "greater than 0"),
        ("{reliable_change: 6, source: x, colour: red}", "instruments.phq9.colour"),
    ],
)
def test_a_broken_file_names_the_instrument_and_field(
    tmp_path: Path, entry: str, message: str
) -> None:
    file = tmp_path / "rescreen.yaml"
    file.write_text(f"version: v\ninstruments:\n  phq9: {entry}\n")
    with pytest.raises(RescreenFileError, match=r"instruments\.phq9") as caught:
        load_rescreen_rules(file)
    assert message in str(caught.value)
