"""score_intake: the same answers and scores as relevant_answers then score each instrument,
with the answers checked once."""

from __future__ import annotations

import random

import pytest

import forms
from forms import flow_for, instruments_in_flow, relevant_answers, score

CASES = [("adult_self", 35), ("adult_self", 19), ("caregiver_child", 6), ("caregiver_child", 14)]


def _random_answers(path: str, age: int, seed: int) -> dict[str, int | None]:
    """Every question of the flow answered at random (some refused), so branches vary."""
    pick = random.Random(seed)
    return {
        question.id: None if pick.random() < 0.1 else pick.choice(question.options).code
        for step in flow_for(path, age).steps
        for question in step.questions
    }


@pytest.mark.parametrize(("path", "age"), CASES)
@pytest.mark.parametrize("seed", range(25))
def test_the_same_as_scoring_instrument_by_instrument(path: str, age: int, seed: int) -> None:
    answers = _random_answers(path, age, seed)
    context = {"subject_age": age, "sex": "female"}
    kept = relevant_answers(path, age, answers)
    expected = {i: score(i, kept, context=context) for i in instruments_in_flow(path, age, kept)}

    scored = forms.score_intake(path, age, answers, context={"sex": "female"})

    assert scored.relevant == kept
    assert scored.scores == expected
    assert list(scored.scores) == list(expected)  # flow order


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"phq9.1": 9}, "phq9.1: 9 is not an allowed answer"),
        ({"phq9.1": True}, "phq9.1: True is not an allowed answer"),
        ({"phq9.1": "2"}, "phq9.1: '2' is not an allowed answer"),
        ({"nope.1": 1, "phq9.99": 0}, "unknown answer ids: nope.1, phq9.99"),
    ],
)
def test_answers_that_are_not_allowed_are_refused_as_score_refuses_them(
    answers: dict[str, int | None], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        forms.score_intake("adult_self", 30, answers)
