"""Benchmark: scoring every instrument of a full adult intake (target: well under 1 ms).

Not part of the normal suite (pytest only collects ``tests/`` and ``test_*.py``). Run:
``.venv/bin/python -m pytest bench/bench_scoring.py --benchmark-only``
"""

from __future__ import annotations

from typing import Any

import pytest

import forms
from forms import Score, flow_for, instruments_in_flow, relevant_answers, score
from referrals import Decision, decide_intake, load_rules

PATH, AGE = "adult_self", 35
CONTEXT = {"subject_age": AGE, "sex": "female"}


def full_adult_intake() -> dict[str, int | None]:
    """Every question of the adult flow answered with its highest code, so every branch
    (PC-PTSD-5 symptoms, ITQ, ASQ question 5, partner questions) is taken."""
    return {
        q.id: max(o.code for o in q.options)
        for step in flow_for(PATH, AGE).steps
        for q in step.questions
    }


ANSWERS = full_adult_intake()
INSTRUMENTS = instruments_in_flow(PATH, AGE, ANSWERS)


def score_intake(answers: dict[str, int | None]) -> list[Score]:
    return [score(instrument, answers, context=CONTEXT) for instrument in INSTRUMENTS]


def test_score_all_instruments_of_a_full_adult_intake(benchmark: Any) -> None:
    assert INSTRUMENTS == ("ace", "apgar", "phq9", "gad7", "pcptsd5", "itq", "asq", "auditc")
    results = benchmark(score_intake, ANSWERS)
    assert len(results) == len(INSTRUMENTS)
    assert benchmark.stats.stats.mean < 1e-3


def test_branching_then_scoring_a_full_adult_intake(benchmark: Any) -> None:
    """What the routing task does: drop irrelevant answers, then score."""

    def route() -> list[Score]:
        kept = relevant_answers(PATH, AGE, ANSWERS)
        return [score(i, kept, context=CONTEXT) for i in instruments_in_flow(PATH, AGE, kept)]

    assert len(benchmark(route)) == len(INSTRUMENTS)


def test_score_intake_of_a_full_adult_intake(benchmark: Any) -> None:
    """What the routing task does now: one walk of the flow, the answers checked once."""
    scored = benchmark(forms.score_intake, PATH, AGE, ANSWERS, context={"sex": "female"})
    assert tuple(scored.scores) == INSTRUMENTS


RULES = load_rules()


def test_scoring_and_decide_of_a_full_adult_intake(benchmark: Any) -> None:
    """Scoring and deciding one full adult intake, as routing does (goal: under 0.5 ms)."""

    def score_and_decide() -> Decision:
        scored = forms.score_intake(PATH, AGE, ANSWERS, context={"sex": "female"})
        return decide_intake(scored.relevant, scored.scores, AGE, RULES)

    assert benchmark(score_and_decide).referrals


def test_scoring_and_decide_of_a_full_adult_intake_checked_per_instrument(
    benchmark: Any,
) -> None:
    """The same through the per-instrument API (two walks, the answers checked by each
    instrument): what routing did before ``score_intake``, for comparison."""

    def score_and_decide() -> Decision:
        kept = relevant_answers(PATH, AGE, ANSWERS)
        scores = {i: score(i, kept, context=CONTEXT) for i in instruments_in_flow(PATH, AGE, kept)}
        return decide_intake(kept, scores, AGE, RULES)

    assert benchmark(score_and_decide).referrals


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "--benchmark-only"]))
