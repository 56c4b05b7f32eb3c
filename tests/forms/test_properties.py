"""Property tests: totals stay in range, answers push results one way, and a result
decided with missing answers holds for every way of completing them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms import INSTRUMENT_IDS, flow_for, get_definition, relevant_answers, score
from forms.model import Item

ABSENT = object()
CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "subject_age": st.integers(0, 100),
        "sex": st.sampled_from(["female", "male", "other"]),
    },
)


def answer(item: Item, missing: bool = True) -> st.SearchStrategy[object]:
    codes = st.sampled_from(sorted(item.codes))
    return st.one_of(codes, st.just(None), st.just(ABSENT)) if missing else codes


@st.composite
def answers_for(draw: st.DrawFn, instrument: str, missing: bool = True) -> dict[str, int | None]:
    drawn = {item.id: draw(answer(item, missing)) for item in get_definition(instrument).items}
    return {k: v for k, v in drawn.items() if v is not ABSENT}  # type: ignore[misc]


def missing_ids(instrument: str, answers: dict[str, int | None]) -> list[str]:
    """Item ids a completion may fill: absent ones, and refusals except on the ASQ
    (where a refusal is itself an answer that counts as yes)."""
    refusal_is_missing = instrument != "asq"
    return [
        item.id
        for item in get_definition(instrument).items
        if item.id not in answers or (refusal_is_missing and answers[item.id] is None)
    ]


@pytest.mark.parametrize("instrument", INSTRUMENT_IDS)
@given(data=st.data())
def test_totals_and_subscales_stay_in_range(instrument: str, data: st.DataObject) -> None:
    definition = get_definition(instrument)
    answers = data.draw(answers_for(instrument))
    result = score(instrument, answers, context=data.draw(CONTEXTS))
    assert definition.scoring is not None
    if result.total is not None:
        assert definition.scoring.total_range is not None
        low, high = definition.scoring.total_range
        assert low <= result.total <= high
        assert result.band is not None or not definition.scoring.bands
    for subscale in definition.scoring.subscales:
        value = result.subscales[subscale.id]
        high = sum(definition.items_by_id[i].max_code for i in subscale.items)
        assert value is None or 0 <= value <= high
    assert 0 <= result.answered <= result.expected


@pytest.mark.parametrize("instrument", INSTRUMENT_IDS)
@given(data=st.data())
def test_a_higher_answer_never_lowers_the_total_or_the_screen(
    instrument: str, data: st.DataObject
) -> None:
    context = data.draw(CONTEXTS)
    answers = data.draw(answers_for(instrument, missing=False))
    item = data.draw(st.sampled_from(get_definition(instrument).items))
    current = answers[item.id]
    assert current is not None
    higher = data.draw(st.sampled_from(sorted(c for c in item.codes if c >= current)))
    before = score(instrument, answers, context=context)
    after = score(instrument, answers | {item.id: higher}, context=context)
    if before.total is not None and after.total is not None:
        assert after.total >= before.total
    if before.positive is True:
        assert after.positive is True


@pytest.mark.parametrize("instrument", INSTRUMENT_IDS)
@given(data=st.data())
def test_results_decided_with_missing_answers_hold_for_every_completion(
    instrument: str, data: st.DataObject
) -> None:
    context = data.draw(CONTEXTS)
    partial = data.draw(answers_for(instrument))
    decided = score(instrument, partial, context=context)
    completion = dict(partial)
    for item_id in missing_ids(instrument, partial):
        completion[item_id] = data.draw(
            st.sampled_from(sorted(get_definition(instrument).items_by_id[item_id].codes))
        )
    complete = score(instrument, completion, context=context)
    if instrument == "psc17" and decided.total is not None:
        return  # PSC-17's own rule: up to 3 blanks are scored as 0, not left open.
    fields = ["positive", "ptsd", "cptsd", "result"]
    if "asq_acuity_unknown" in decided.flags:
        fields.remove("result")  # non_acute_positive until asq.5 is answered yes (policy)
    for field in fields:
        value = getattr(decided, field)
        if value is not None:
            assert getattr(complete, field) == value, field
    if decided.total is not None:
        assert complete.total == decided.total


@given(data=st.data())
def test_relevant_answers_are_stable(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(["adult_self", "teen_self", "caregiver_child"]))
    age = data.draw(
        {"adult_self": st.integers(18, 99), "teen_self": st.integers(12, 17)}.get(
            path, st.integers(0, 17)
        )
    )
    questions = [q for step in flow_for(path, age).steps for q in step.questions]
    answers: dict[str, int | None] = {}
    for question in questions:
        choice = data.draw(
            st.one_of(
                st.just(ABSENT), st.just(None), st.sampled_from([o.code for o in question.options])
            )
        )
        if choice is not ABSENT:
            answers[question.id] = choice  # type: ignore[assignment]
    kept = relevant_answers(path, age, answers)
    assert kept.items() <= answers.items()
    assert relevant_answers(path, age, kept) == kept
