"""decide() with the default rules follows docs/clinical-policy.md at every age boundary."""

from __future__ import annotations

import pytest

from referrals import FACT_NAMES, PARTNER_SAFETY, Priority, decide, load_rules
from tests.referrals.support import facts_of

RULES = load_rules()
EVERYTHING = FACT_NAMES
EVERYTHING_SAFE = tuple(name for name in FACT_NAMES if name not in ("partner_risk", "acute"))


def queues(age: int, *true: str) -> list[str]:
    return [referral.queue for referral in decide(facts_of(*true), age, RULES).referrals]


@pytest.mark.parametrize(
    ("ages", "true", "expected"),
    [
        # under 3: family, whatever the facts
        ((0, 2), (), ["family"]),
        ((0, 2), EVERYTHING_SAFE, ["family"]),
        ((0, 2), EVERYTHING, ["family"]),
        # 3-11: play; then family with a relational indicator; never dbt/emdr/couples
        ((3, 11), (), ["play"]),
        ((3, 11), ("relational_indicator",), ["play", "family"]),
        ((3, 11), ("suicide_risk", "dysregulation", "ptsd_screen"), ["play"]),
        ((3, 11), ("parenting_concern", "couples_interest"), ["play"]),
        ((3, 11), EVERYTHING_SAFE, ["play", "family"]),
        # 12-17: dbt for dysregulation or suicide risk; emdr for a positive trauma screen;
        # family with a relational indicator
        ((12, 17), (), ["intake"]),
        ((12, 17), ("dysregulation",), ["dbt"]),
        ((12, 17), ("suicide_risk",), ["dbt"]),
        ((12, 17), ("relational_indicator",), ["family"]),
        ((12, 17), ("ptsd_screen",), ["emdr"]),
        ((12, 17), ("parenting_concern",), ["intake"]),
        ((12, 17), ("couples_interest",), ["intake"]),
        ((12, 17), ("partner_risk", "relational_indicator"), ["family"]),
        ((12, 17), EVERYTHING_SAFE, ["dbt", "emdr", "family"]),
        # 18+: dbt, emdr, couples (safe only), family for parenting concern
        ((18, 60), (), ["intake"]),
        ((18, 60), ("dysregulation",), ["dbt"]),
        ((18, 60), ("suicide_risk",), ["dbt"]),
        ((18, 60), ("ptsd_screen",), ["emdr"]),
        ((18, 60), ("couples_interest",), ["couples"]),
        ((18, 60), ("parenting_concern",), ["family"]),
        ((18, 60), ("relational_indicator",), ["intake"]),
        ((18, 60), EVERYTHING_SAFE, ["dbt", "emdr", "couples", "family"]),
        ((18, 60), EVERYTHING, ["dbt", "emdr"]),
        ((18, 60), ("couples_interest", "acute"), ["intake"]),
        ((18, 60), ("couples_interest", "partner_risk"), ["intake"]),
        ((18, 60), ("parenting_concern", "partner_risk"), ["intake"]),
        ((18, 60), ("parenting_concern", "acute"), ["family"]),
        ((18, 60), ("couples_interest", "partner_risk", "ptsd_screen"), ["emdr"]),
    ],
)
def test_queues_by_age_and_facts(
    ages: tuple[int, ...], true: tuple[str, ...], expected: list[str]
) -> None:
    for age in ages:
        assert queues(age, *true) == expected, f"age {age}"


@pytest.mark.parametrize(
    ("true", "priority"),
    [
        ((), Priority.ROUTINE),
        (("ptsd_screen", "dysregulation"), Priority.ROUTINE),
        (("cptsd", "alcohol_risk", "couples_interest", "parenting_concern"), Priority.ROUTINE),
        (("suicide_risk",), Priority.PRIORITY),
        (("safety_unknown",), Priority.PRIORITY),
        (("partner_risk",), Priority.PRIORITY),
        (("abuse_disclosed",), Priority.PRIORITY),
        (("severe_symptoms",), Priority.PRIORITY),
        (("acute",), Priority.URGENT),
        (("acute", "suicide_risk"), Priority.URGENT),
        (("severe_symptoms", "acute"), Priority.URGENT),
    ],
)
@pytest.mark.parametrize("age", [0, 2, 3, 11, 12, 17, 18, 60])
def test_every_referral_carries_the_intake_priority(
    true: tuple[str, ...], priority: Priority, age: int
) -> None:
    decision = decide(facts_of(*true, "relational_indicator", "ptsd_screen"), age, RULES)
    assert decision.priority is priority
    assert {referral.priority for referral in decision.referrals} == {priority}


def test_urgent_intake_with_nothing_else_goes_to_intake_review_urgently() -> None:
    decision = decide(facts_of("acute"), 30, RULES)
    assert [(r.queue, r.priority, r.rule_ids) for r in decision.referrals] == [
        ("intake", Priority.URGENT, ("fallback-intake",))
    ]


def test_rule_ids_and_deciding_facts_are_recorded() -> None:
    decision = decide(facts_of("suicide_risk", "couples_interest"), 40, RULES)
    dbt, couples = decision.referrals
    assert dbt.rule_ids == ("adult-dbt",)
    assert [(f.name, f.value) for f in dbt.facts] == [("suicide_risk", True)]
    assert couples.rule_ids == ("adult-couples",)
    assert [(f.name, f.value) for f in couples.facts] == [
        ("couples_interest", True),
        ("partner_risk", False),
        ("acute", False),
    ]
    assert decision.primary is dbt


class TestPartnerSafety:
    def test_couples_interest_with_partner_risk_flags_and_refers_to_intake(self) -> None:
        decision = decide(facts_of("couples_interest", "partner_risk"), 30, RULES)
        assert decision.flags == {PARTNER_SAFETY}
        [intake] = decision.referrals
        assert intake.queue == "intake"
        assert intake.rule_ids == ("partner-safety",)
        assert [(f.name, f.value) for f in intake.facts] == [("partner_risk", True)]
        assert decision.notes == (
            "Partner safety: couples therapy not offered; partner_risk evidence",
        )

    def test_parenting_concern_with_partner_risk_withholds_family(self) -> None:
        decision = decide(facts_of("parenting_concern", "partner_risk"), 30, RULES)
        [intake] = decision.referrals
        assert intake.rule_ids == ("partner-safety",)
        assert intake.because[0] == "family therapy not offered for partner safety"
        assert decision.notes == (
            "Partner safety: family therapy not offered; partner_risk evidence",
        )

    def test_both_withheld_are_named(self) -> None:
        facts = facts_of("couples_interest", "parenting_concern", "partner_risk")
        decision = decide(facts, 30, RULES)
        [intake] = decision.referrals
        assert intake.because[0] == (
            "couples therapy and family therapy not offered for partner safety"
        )
        assert len(decision.notes) == 2

    def test_no_extra_intake_when_another_queue_matched(self) -> None:
        decision = decide(facts_of("couples_interest", "partner_risk", "dysregulation"), 30, RULES)
        assert decision.flags == {PARTNER_SAFETY}
        assert [r.queue for r in decision.referrals] == ["dbt"]
        assert decision.notes == (
            "Partner safety: couples therapy not offered; partner_risk evidence",
        )

    @pytest.mark.parametrize("age", [2, 9, 16, 30])
    def test_partner_risk_alone_flags_at_any_age(self, age: int) -> None:
        decision = decide(facts_of("partner_risk"), age, RULES)
        assert decision.flags == {PARTNER_SAFETY}
        assert decision.notes == ()

    @pytest.mark.parametrize("true", [("couples_interest", "acute"), ()])
    def test_no_flag_without_partner_risk(self, true: tuple[str, ...]) -> None:
        decision = decide(facts_of(*true), 30, RULES)
        assert decision.flags == frozenset()
        assert decision.referrals[0].rule_ids == ("fallback-intake",)


@pytest.mark.parametrize(
    ("fact", "flag"),
    [
        ("partner_risk", "partner_safety"),
        ("safety_unknown", "safety_unknown"),
        ("cptsd", "cptsd"),
        ("abuse_disclosed", "safeguarding"),
        ("severe_symptoms", "severe_symptoms"),
        ("alcohol_risk", "alcohol_use"),
    ],
)
def test_each_flag_comes_from_its_fact(fact: str, flag: str) -> None:
    assert decide(facts_of(fact), 30, RULES).flags == {flag}
    assert decide(facts_of(fact), 10, RULES).flags == {flag}


@pytest.mark.parametrize("age", [-1, True, 3.5, "7"])
def test_decide_refuses_an_impossible_age(age: object) -> None:
    with pytest.raises(ValueError, match="subject_age"):
        decide(facts_of(), age, RULES)  # type: ignore[arg-type]


def test_decision_records_the_rules_version_and_age() -> None:
    decision = decide(facts_of(), 5, RULES)
    assert decision.rules_version == "clinical-default-2"
    assert decision.subject_age == 5
