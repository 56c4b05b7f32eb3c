"""Policy version 2 through `referrals.decide_intake` with real scores, at every boundary it names.

Each case gives answers and an age, and the queues, priority and flags the
policy (docs/clinical-policy.md) says they must give.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from referrals import Priority, decide_intake
from tests.referrals.support import scores_for

Answers = dict[str, int | None]

SAFE: Answers = {"safety.now": 1}


def phq9(total: int, item_9: int = 0) -> Answers:
    """PHQ-9 items 1-8 adding up to `total` (item 9 given separately)."""
    values = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    values += [0] * (8 - len(values))
    return {**{f"phq9.{n}": v for n, v in enumerate(values, start=1)}, "phq9.9": item_9}


def gad7(total: int) -> Answers:
    values = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    values += [0] * (7 - len(values))
    return {f"gad7.{n}": v for n, v in enumerate(values, start=1)}


def cats_7_17(total: int) -> Answers:
    values = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    values += [0] * (20 - len(values))
    return {f"cats_7_17.s{n}": v for n, v in enumerate(values, start=1)}


def auditc(total: int) -> Answers:
    values = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    values += [0] * (3 - len(values))
    return {f"auditc.{n}": v for n, v in enumerate(values, start=1)}


ASQ_POSITIVE: Answers = {"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0}


def decided(answers: Mapping[str, int | None], age: int) -> tuple[list[str], Priority, set[str]]:
    decision = decide_intake(answers, scores_for(answers), age)
    return [r.queue for r in decision.referrals], decision.priority, set(decision.flags)


ROUTINE, PRIORITY, URGENT = Priority.ROUTINE, Priority.PRIORITY, Priority.URGENT


@pytest.mark.parametrize(
    ("answers", "age", "queues", "priority", "flags"),
    [
        # severe_symptoms: PHQ-9 total 19/20, GAD-7 total 14/15
        pytest.param(SAFE | phq9(19), 30, ["intake"], ROUTINE, set(), id="phq9-19"),
        pytest.param(
            SAFE | phq9(20), 30, ["intake"], PRIORITY, {"severe_symptoms"}, id="phq9-20"
        ),
        pytest.param(SAFE | gad7(14), 30, ["intake"], ROUTINE, set(), id="gad7-14"),
        pytest.param(SAFE | gad7(15), 30, ["intake"], PRIORITY, {"severe_symptoms"}, id="gad7-15"),
        pytest.param(
            SAFE | phq9(24) | gad7(21), 30, ["intake"], PRIORITY, {"severe_symptoms"},
            id="phq9-24-gad7-21",
        ),
        pytest.param(
            SAFE | {**phq9(21), "phq9.1": None}, 30, ["intake"], ROUTINE, set(),
            id="phq9-refused-item-below-20-answered",
        ),
        pytest.param(
            SAFE | {**phq9(24), "phq9.1": None}, 30, ["intake"], PRIORITY, {"severe_symptoms"},
            id="phq9-refused-item-answered-already-20",
        ),
        pytest.param(
            SAFE | phq9(20, item_9=1), 16, ["dbt"], PRIORITY, {"severe_symptoms"},
            id="teen-phq9-20-with-item-9",
        ),
        # CATS 7-17 total 20/21 at ages 11, 12 and 17: trauma-focused therapy from 12
        pytest.param(SAFE | cats_7_17(20), 11, ["play"], ROUTINE, set(), id="cats-20-age-11"),
        pytest.param(SAFE | cats_7_17(21), 11, ["play"], ROUTINE, set(), id="cats-21-age-11"),
        pytest.param(SAFE | cats_7_17(20), 12, ["intake"], ROUTINE, set(), id="cats-20-age-12"),
        pytest.param(SAFE | cats_7_17(21), 12, ["emdr"], ROUTINE, set(), id="cats-21-age-12"),
        pytest.param(SAFE | cats_7_17(20), 17, ["intake"], ROUTINE, set(), id="cats-20-age-17"),
        pytest.param(SAFE | cats_7_17(21), 17, ["emdr"], ROUTINE, set(), id="cats-21-age-17"),
        # refused vs not asked: safety.now, phq9.9, asq.5
        pytest.param({}, 30, ["intake"], ROUTINE, set(), id="safety-now-not-asked"),
        pytest.param(
            {"safety.now": None}, 30, ["intake"], PRIORITY, {"safety_unknown"},
            id="safety-now-refused",
        ),
        pytest.param({"safety.now": 0}, 30, ["intake"], URGENT, set(), id="safety-now-not-safe"),
        pytest.param(
            SAFE | {**phq9(4), "phq9.9": None}, 30, ["intake"], PRIORITY, {"safety_unknown"},
            id="phq9-9-refused",
        ),
        pytest.param(
            SAFE | {k: v for k, v in phq9(4).items() if k != "phq9.9"}, 30, ["intake"], ROUTINE,
            set(), id="phq9-9-not-asked",
        ),
        pytest.param(
            SAFE | ASQ_POSITIVE | {"asq.5": 0}, 30, ["dbt"], PRIORITY, set(), id="asq-non-acute"
        ),
        pytest.param(
            SAFE | ASQ_POSITIVE | {"asq.5": 1}, 30, ["dbt"], URGENT, set(), id="asq-acute"
        ),
        pytest.param(
            SAFE | ASQ_POSITIVE | {"asq.5": None}, 30, ["dbt"], URGENT, set(),
            id="asq-acuity-refused",
        ),
        pytest.param(
            SAFE | ASQ_POSITIVE, 30, ["dbt"], URGENT, set(), id="asq-acuity-never-answered"
        ),
        # partner risk, with and without couples or parenting wishes
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 0, "rship.4": 0, "rship.5": 0}, 30, ["intake"],
            ROUTINE, set(), id="partner-no-risk",
        ),
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 0, "rship.4": 1, "rship.5": 0}, 30, ["intake"],
            PRIORITY, {"partner_safety"}, id="partner-feared-no-wishes",
        ),
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 0, "rship.5": 0}, 30,
            ["couples"], ROUTINE, set(), id="couples-wish-safe",
        ),
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 0, "rship.5": 1}, 30,
            ["intake"], PRIORITY, {"partner_safety"}, id="couples-wish-harm",
        ),
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": None, "rship.5": 0}, 30,
            ["intake"], PRIORITY, {"partner_safety"}, id="couples-wish-fear-refused",
        ),
        pytest.param(
            SAFE | {"rship.1": 0, "parent.1": 1, "parent.2": 1}, 30, ["family"], ROUTINE, set(),
            id="parenting-no-partner",
        ),
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 0, "rship.4": 0, "rship.5": 1, "parent.1": 1,
                    "parent.2": 1},
            30, ["intake"], PRIORITY, {"partner_safety"}, id="parenting-partner-harm",
        ),
        pytest.param(
            SAFE | {"rship.1": 1, "rship.2": 0, "rship.4": 1, "rship.5": 0, "parent.1": 1,
                    "parent.2": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}},
            30, ["emdr"], PRIORITY, {"partner_safety"}, id="parenting-partner-fear-emdr",
        ),
        pytest.param(
            SAFE | {"parent.1": 0}, 30, ["intake"], ROUTINE, set(), id="no-children",
        ),
        # AUDIT-C: positive at 3 (4 when male); no queue of its own
        pytest.param(SAFE | auditc(2), 30, ["intake"], ROUTINE, set(), id="auditc-2"),
        pytest.param(SAFE | auditc(3), 30, ["intake"], ROUTINE, {"alcohol_use"}, id="auditc-3"),
        pytest.param(SAFE | auditc(12), 30, ["intake"], ROUTINE, {"alcohol_use"}, id="auditc-12"),
    ],
)  # fmt: skip
def test_policy_version_2(
    answers: Answers, age: int, queues: list[str], priority: Priority, flags: set[str]
) -> None:
    assert decided(answers, age) == (queues, priority, flags)


@pytest.mark.parametrize("cats", ["cats_3_6", "cats_7_17"])
@pytest.mark.parametrize("event", ["e4", "e6", "e8", "e9"])
def test_abuse_items_of_both_cats_versions(cats: str, event: str) -> None:
    age = 5 if cats == "cats_3_6" else 15
    answers = SAFE | {f"{cats}.{event}": 1}
    queues, priority, flags = decided(answers, age)
    assert (priority, flags) == (PRIORITY, {"safeguarding"})
    family = ["family"] if event in ("e4", "e6") else []  # violence in the family: relational
    assert queues == (["play", *family] if age == 5 else family or ["intake"])
    assert decided(SAFE | {f"{cats}.{event}": 0}, age)[1:] == (ROUTINE, set())
    assert decided(SAFE | {f"{cats}.{event}": None}, age)[1:] == (ROUTINE, set())


@pytest.mark.parametrize("event", ["e1", "e2", "e3", "e5", "e7", "e10", "e15"])
def test_other_cats_events_are_not_abuse(event: str) -> None:
    assert decided(SAFE | {f"cats_7_17.{event}": 1}, 15)[1:] == (ROUTINE, set())


def itq(**values: int | None) -> Answers:
    items = [f"p{n}" for n in range(1, 10)] + [f"c{n}" for n in range(1, 10)]
    return {f"itq.{item}": values.get(item, 0) for item in items}


def test_itq_complex_ptsd_is_flagged_and_routes_to_emdr_and_dbt() -> None:
    answers = SAFE | itq(p1=2, p3=2, p5=2, p7=2, c1=2, c3=2, c5=2, c7=2)
    assert decided(answers, 30) == (["dbt", "emdr"], ROUTINE, {"cptsd"})


def test_itq_settled_positive_with_a_missing_answer_is_a_trauma_screen() -> None:
    answers = SAFE | itq(p1=2, p3=2, p5=2, p7=2, c1=None, c2=None)
    assert decided(answers, 30) == (["emdr"], ROUTINE, set())


def test_relational_indicator_from_rel_5_and_family_violence() -> None:
    assert decided(SAFE | {"rel.5": 1}, 8) == (["play", "family"], ROUTINE, set())
    assert decided(SAFE | {"rel.5": 0}, 8) == (["play"], ROUTINE, set())
    assert decided(SAFE | {"cats_3_6.e6": 1}, 6) == (["play", "family"], PRIORITY, {"safeguarding"})


def test_acute_outranks_every_priority_reason() -> None:
    answers = {"safety.now": 0, "rship.1": 1, "rship.5": 1} | phq9(24, item_9=2)
    assert decided(answers, 30) == (["dbt"], URGENT, {"partner_safety", "severe_symptoms"})
