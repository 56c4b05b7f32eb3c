"""Flows: age gates, show-when rules, and complete walks through each path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from forms import (
    flow_for,
    instruments_in_flow,
    next_steps,
    path_fits_age,
    relevant_answers,
    score,
    validate_answers,
)
from forms.flows import Question
from tests.forms.helpers import with_total

Answerer = Callable[[Question], int | None]


def lowest(question: Question) -> int | None:
    return min(o.code for o in question.options)


def highest(question: Question) -> int | None:
    return max(o.code for o in question.options)


def refuse_all(question: Question) -> int | None:
    return None


def walk(path: str, age: int, answer: Answerer) -> tuple[dict[str, int | None], int]:
    """Answer each next step until the flow is complete; return answers and steps taken."""
    answers: dict[str, int | None] = {}
    taken = 0
    while (state := next_steps(path, age, answers)).next_step is not None:
        assert state.step_number == taken + 1
        answers.update({q.id: answer(q) for q in state.next_step.questions})
        taken += 1
        assert taken < 60, "flow does not terminate"
    assert state.complete and state.total_steps == taken
    return answers, taken


@pytest.mark.parametrize(
    ("path", "age", "fits"),
    [
        ("adult_self", 17, False), ("adult_self", 18, True), ("adult_self", 90, True),
        ("teen_self", 11, False), ("teen_self", 12, True), ("teen_self", 17, True),
        ("teen_self", 18, False), ("caregiver_child", -1, False), ("caregiver_child", 0, True),
        ("caregiver_child", 17, True), ("caregiver_child", 18, False),
    ],
)  # fmt: skip
def test_path_fits_age(path: str, age: int, fits: bool) -> None:
    assert path_fits_age(path, age) is fits


def test_unknown_path_and_unfitting_age_are_refused() -> None:
    with pytest.raises(ValueError, match="adult_self, teen_self, caregiver_child"):
        path_fits_age("child_self", 10)
    with pytest.raises(ValueError, match="ages 12-17"):
        flow_for("teen_self", 18)


CAREGIVER_SECTIONS = {
    0: ["safety", "child", "rel", "apgar"],
    2: ["safety", "child", "rel", "apgar"],
    3: ["safety", "child", "rel", "apgar", "cats_3_6"],
    4: ["safety", "child", "rel", "apgar", "cats_3_6", "psc17"],
    6: ["safety", "child", "rel", "apgar", "cats_3_6", "psc17"],
    7: ["safety", "child", "rel", "apgar", "cats_7_17", "psc17"],
    16: ["safety", "child", "rel", "apgar", "cats_7_17", "psc17"],
    17: ["safety", "child", "rel", "apgar", "cats_7_17"],
}


@pytest.mark.parametrize(("age", "sections"), CAREGIVER_SECTIONS.items())
def test_caregiver_sections_by_age(age: int, sections: list[str]) -> None:
    assert list(flow_for("caregiver_child", age).sections) == sections


def test_adult_and_teen_sections_in_order() -> None:
    assert flow_for("adult_self", 30).sections == (
        "safety", "rel", "ace", "apgar", "phq9", "gad7", "pcptsd5", "itq", "asq", "auditc",
        "rship", "parent", "reg",
    )  # fmt: skip
    assert flow_for("teen_self", 14).sections == (
        "safety", "rel", "apgar", "phq9", "asq", "cats_7_17", "reg",
    )  # fmt: skip


WALKS = [
    *[("adult_self", age) for age in (18, 35, 80)],
    *[("teen_self", age) for age in (12, 15, 17)],
    *[("caregiver_child", age) for age in (0, 2, 3, 4, 6, 7, 12, 16, 17)],
]


@pytest.mark.parametrize(("path", "age"), WALKS)
@pytest.mark.parametrize("answer", [lowest, highest, refuse_all])
def test_complete_walk_through(path: str, age: int, answer: Answerer) -> None:
    answers, _ = walk(path, age, answer)
    assert relevant_answers(path, age, answers) == answers
    instruments = instruments_in_flow(path, age, answers)
    assert set(instruments) <= set(flow_for(path, age).sections)
    for instrument in instruments:
        result = score(instrument, answers, context={"subject_age": age})
        assert result.expected >= 1


def test_adult_walk_branches_with_the_answers() -> None:
    quiet, quiet_steps = walk("adult_self", 30, lowest)
    loud, loud_steps = walk("adult_self", 30, highest)
    # Lowest answers: PC-PTSD-5 gate "no" (codes 0) -> no symptoms, no asq.5, rship.2-5 or
    # parent.2; but rel.2 "no" (no adult to count on) and a Family APGAR of 0 open the ITQ.
    assert "pcptsd5.1" not in quiet and "itq.c9" in quiet
    assert "asq.5" not in quiet and "rship.2" not in quiet and "parent.2" not in quiet
    assert instruments_in_flow("adult_self", 30, quiet) == (
        "ace", "apgar", "phq9", "gad7", "pcptsd5", "itq", "asq", "auditc",
    )  # fmt: skip
    # Highest answers: every branch opens.
    assert {"pcptsd5.5", "itq.c9", "asq.5", "rship.5", "parent.2"} <= set(loud)
    assert "itq" in instruments_in_flow("adult_self", 30, loud)
    # pcptsd5 symptoms, asq acuity, rship details, parent.2
    assert loud_steps == quiet_steps + 4


def test_refusing_the_pcptsd5_gate_skips_its_items_but_not_the_itq() -> None:
    state = next_steps("adult_self", 30, {"pcptsd5.0": None})
    ids = [s.id for s in state.steps]
    assert "pcptsd5-symptoms" not in ids and "itq-ptsd" in ids


# Answers that raise no relational indicator: rel all "no" but an adult to count on, no ACE,
# a Family APGAR total of 10.
NO_RELATIONAL: dict[str, int | None] = (
    {"rel.1": 0, "rel.2": 1, "rel.3": 0, "rel.4": 0, "rel.5": 0}
    | {f"ace.{i}": 0 for i in range(1, 11)}
    | with_total("apgar", 10)
)
GATE_NO: dict[str, int | None] = {"pcptsd5.0": 0}
NEGATIVE = {"pcptsd5.0": 1} | {f"pcptsd5.{i}": v for i, v in enumerate([1, 1, 0, 0, 0], 1)}


def _apgar(*values: int | None) -> dict[str, int | None]:
    return {f"apgar.{i}": v for i, v in enumerate(values, 1)}


ITQ_TRIGGERS: list[tuple[str, dict[str, int | None], bool]] = [
    ("pc-ptsd-5 positive", {"pcptsd5.0": 1} | {f"pcptsd5.{i}": 1 for i in range(1, 6)}, True),
    ("pc-ptsd-5 unsettled", NEGATIVE | {"pcptsd5.3": None}, True),
    ("gate refused", {"pcptsd5.0": None}, True),
    ("gate no, nothing relational", GATE_NO, False),
    ("pc-ptsd-5 negative, nothing relational", NEGATIVE, False),
    *[(f"gate no + ace.{i}", GATE_NO | {f"ace.{i}": 1}, True) for i in range(1, 6)],
    *[(f"gate no + household ace.{i}", GATE_NO | {f"ace.{i}": 1}, False) for i in range(6, 11)],
    ("gate no + rel.1 yes", GATE_NO | {"rel.1": 1}, True),
    ("gate no + rel.2 no", GATE_NO | {"rel.2": 0}, True),
    ("gate no + rel.2 refused", GATE_NO | {"rel.2": None}, False),
    ("gate no + rel.3 yes", GATE_NO | {"rel.3": 1}, True),
    ("gate no + rel.4 yes", GATE_NO | {"rel.4": 1}, True),
    ("gate no + rel.5 yes", GATE_NO | {"rel.5": 1}, True),
    ("negative + rel.5 yes", NEGATIVE | {"rel.5": 1}, True),
    ("gate refused + rel.5 yes", {"pcptsd5.0": None, "rel.5": 1}, True),
    ("gate no + apgar 6", GATE_NO | with_total("apgar", 6), True),
    ("gate no + apgar 7", GATE_NO | with_total("apgar", 7), False),
    ("gate no + apgar 0", GATE_NO | with_total("apgar", 0), True),
    ("gate no + apgar refused, settled at most 5", GATE_NO | _apgar(1, 1, 1, None, 0), True),
    ("gate no + apgar refused, could be 7", GATE_NO | _apgar(2, 2, 1, None, 0), False),
    ("gate no + apgar all refused", GATE_NO | _apgar(None, None, None, None, None), False),
]


@pytest.mark.parametrize(
    ("answers", "asked"),
    [(a, asked) for _, a, asked in ITQ_TRIGGERS],
    ids=[t[0] for t in ITQ_TRIGGERS],
)
def test_itq_triggers(answers: dict[str, int | None], asked: bool) -> None:
    answers = NO_RELATIONAL | answers
    state = next_steps("adult_self", 30, answers)
    assert ("itq" in state.instruments) is asked
    assert ("itq-ptsd" in [s.id for s in state.steps]) is asked
    assert ("itq" in instruments_in_flow("adult_self", 30, answers)) is asked


@pytest.mark.parametrize(
    ("symptoms", "itq_asked"),
    [
        ([1, 1, 1, 0, 0], True),  # positive at 3
        ([1, 1, 0, 0, 0], False),  # negative
        ([1, 1, None, 0, 0], True),  # not settled: safer to ask
        ([0, 0, None, None, 0], False),  # cannot reach 3: negative
    ],
)
def test_itq_follows_a_positive_or_unsettled_pcptsd5(
    symptoms: list[int | None], itq_asked: bool
) -> None:
    answers = {"pcptsd5.0": 1} | {f"pcptsd5.{i}": v for i, v in enumerate(symptoms, 1)}
    assert ("itq" in instruments_in_flow("adult_self", 30, answers)) is itq_asked
    assert ("itq-dso" in [s.id for s in next_steps("adult_self", 30, answers).steps]) is itq_asked


def test_itq_respects_a_clinic_cut_point_of_4() -> None:
    answers = {"pcptsd5.0": 1, "pcptsd5.1": 1, "pcptsd5.2": 1, "pcptsd5.3": 1}
    answers |= {"pcptsd5.4": 0, "pcptsd5.5": 0}
    context = {"cut_offs": {"pcptsd5": 4}}
    assert "itq" not in instruments_in_flow("adult_self", 30, answers, context=context)


def test_changing_an_earlier_answer_makes_later_answers_irrelevant() -> None:
    answers: dict[str, int | None] = {"pcptsd5.0": 1, "rship.1": 1, "rship.4": 1}
    answers.update({f"pcptsd5.{i}": 1 for i in range(1, 6)})
    answers.update({f"itq.p{i}": 3 for i in range(1, 10)})
    answers |= {"pcptsd5.0": 0, "rship.1": 0}
    state = next_steps("adult_self", 30, answers)
    dropped = {f"pcptsd5.{i}" for i in range(1, 6)} | {f"itq.p{i}" for i in range(1, 10)}
    assert state.irrelevant == dropped | {"rship.4"}
    kept = relevant_answers("adult_self", 30, answers)
    assert kept == {"pcptsd5.0": 0, "rship.1": 0}
    assert score("pcptsd5", kept).total == 0


@pytest.mark.parametrize(
    ("screen", "asked"), [([0, 0, 0, 0], False), ([0, 1, 0, 0], True), ([0, 0, None, 0], True)]
)
def test_asq_item_5_only_after_a_yes_or_refusal(screen: list[int | None], asked: bool) -> None:
    answers = {f"asq.{i}": v for i, v in enumerate(screen, 1)}
    ids = [s.id for s in next_steps("teen_self", 15, answers).remaining]
    assert ("asq-acuity" in ids) is asked


@pytest.mark.parametrize(("children", "asked"), [(1, True), (0, False), (None, False)])
def test_parenting_worry_only_after_a_yes_to_having_children(
    children: int | None, asked: bool
) -> None:
    state = next_steps("adult_self", 40, {"parent.1": children, "parent.2": 1})
    assert ("parent-worry" in [s.id for s in state.steps]) is asked
    assert (
        "parent.2" in relevant_answers("adult_self", 40, {"parent.1": children, "parent.2": 1})
    ) is asked
    assert ("parent.2" in state.irrelevant) is not asked


def test_parenting_worry_waits_for_the_children_question() -> None:
    state = next_steps("adult_self", 40, {})
    assert "parent-children" in [s.id for s in state.steps]
    assert "parent-worry" not in [s.id for s in state.steps]


@pytest.mark.parametrize(("age", "asked"), [(0, False), (2, False), (3, True), (17, True)])
def test_talk_of_wanting_to_die_is_asked_from_age_3(age: int, asked: bool) -> None:
    child = next(s for s in flow_for("caregiver_child", age).steps if s.id == "child")
    assert ("child.3" in child.item_ids) is asked
    assert {"child.1", "child.2", "child.4"} <= set(child.item_ids)
    state = next_steps("caregiver_child", age, {"safety.now": 1})
    assert state.next_step is not None and state.next_step.id == "child"
    assert ("child.3" in state.next_step.item_ids) is asked
    answers = {"safety.now": 1, "child.1": 0, "child.2": 0, "child.4": 0}
    assert next_steps("caregiver_child", age, answers).next_step.id == ("child" if asked else "rel")
    errors = validate_answers("caregiver_child", age, {"child.3": 0})
    assert (errors == []) is asked
    assert ("child.3" in next_steps("caregiver_child", age, {"child.3": 1}).irrelevant) is not asked


@pytest.mark.parametrize(("partner", "asked"), [(1, True), (0, False), (None, False)])
def test_partner_questions_only_when_in_a_relationship(partner: int | None, asked: bool) -> None:
    state = next_steps("adult_self", 40, {"rship.1": partner})
    assert ("rship-details" in [s.id for s in state.steps]) is asked


def test_steps_carry_what_the_page_needs_worded_for_the_path() -> None:
    caregiver = next_steps("caregiver_child", 8, {}).next_step
    adult = next_steps("adult_self", 30, {}).next_step
    assert caregiver is not None and adult is not None
    assert caregiver.id == adult.id == "safety"
    assert caregiver.questions[0].text == "Is your child safe where they are right now?"
    assert adult.questions[0].text == "Are you safe where you are right now?"
    assert caregiver.why
    cats = next(s for s in flow_for("caregiver_child", 8).steps if s.id == "cats_7_17-events")
    teen_cats = next(s for s in flow_for("teen_self", 13).steps if s.id == "cats_7_17-events")
    assert "the child" in cats.instructions and "to you" in teen_cats.instructions
    assert cats.content_note is not None


def test_next_step_is_the_first_with_an_unanswered_question() -> None:
    state = next_steps("teen_self", 14, {"safety.now": 1, "phq9.1": 0})
    assert state.next_step is not None and state.next_step.id == "rel"
    assert state.step_number == 2
    assert "phq9" in [s.id for s in state.remaining]


def test_unknown_answer_ids_are_refused() -> None:
    with pytest.raises(ValueError, match=r"phq9\.12"):
        next_steps("adult_self", 30, {"phq9.12": 1})


@pytest.mark.parametrize(
    ("path", "age", "wording", "spanish"),
    [
        ("adult_self", 30, "Growing up, were you often left alone", "Mientras crecía, ¿muchas"),
        ("teen_self", 14, "Have you often been left alone", "¿Muchas veces le han dejado"),
        ("caregiver_child", 5, "Has your child often been left alone", "¿A su hijo o hija muchas"),
    ],
)
def test_rel_5_neglect_is_asked_on_every_path(
    path: str, age: int, wording: str, spanish: str
) -> None:
    english = next(s for s in flow_for(path, age).steps if s.id == "rel")
    translated = next(s for s in flow_for(path, age, language="es").steps if s.id == "rel")
    assert english.item_ids == ("rel.1", "rel.2", "rel.3", "rel.4", "rel.5")
    assert english.questions[-1].text.startswith(wording)
    assert "too young to look after" in english.questions[-1].text
    assert translated.language == "es" and translated.questions[-1].text.startswith(spanish)
    answers = {"safety.now": 1, "rel.1": 0, "rel.2": 1, "rel.3": 0, "rel.4": 0}
    answers |= {f"child.{i}": 0 for i in range(1, 5)}
    state = next_steps(path, age, answers)
    assert state.next_step is not None and state.next_step.id == "rel"


def test_ace_questions_are_shown_in_the_published_order() -> None:
    questions = [
        q for s in flow_for("adult_self", 30).steps if s.section == "ace" for q in s.questions
    ]
    assert tuple(q.id for q in questions) == (
        "ace.1", "ace.2", "ace.3", "ace.4", "ace.5", "ace.10", "ace.9", "ace.6", "ace.7", "ace.8",
    )  # fmt: skip
    household = [q.text for q in questions[5:]]
    assert household[0] == "Were your parents ever separated or divorced?"
    assert household[1].startswith("Was your mother or stepmother")
    assert "problem drinker" in household[2] and "mentally ill" in household[3]
    assert household[4] == "Did a household member go to prison?"
