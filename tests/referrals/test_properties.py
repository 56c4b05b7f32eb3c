"""Property tests: decide() agrees with docs/clinical-policy.md for any facts and any age."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from referrals import FACT_NAMES, PARTNER_SAFETY, Priority, decide, load_rules
from referrals.rules import RESERVED_RULE_IDS
from tests.referrals.support import facts_of

RULES = load_rules()

true_facts = st.frozensets(st.sampled_from(FACT_NAMES))
ages = st.integers(min_value=0, max_value=120)


def clinical_queues(true: frozenset[str], age: int) -> list[str]:
    """The policy's "Queues by age", written out independently of config/routing.yaml."""
    if age < 3:
        queues = ["family"]
    elif age <= 11:
        queues = ["play"] + (["family"] if "relational_indicator" in true else [])
    elif age <= 17:
        queues = ["dbt"] if true & {"dysregulation", "suicide_risk"} else []
        queues += ["emdr"] if "ptsd_screen" in true else []
        queues += ["family"] if "relational_indicator" in true else []
    else:
        queues = ["dbt"] if true & {"dysregulation", "suicide_risk"} else []
        queues += ["emdr"] if "ptsd_screen" in true else []
        if "couples_interest" in true and not true & {"partner_risk", "acute"}:
            queues.append("couples")
        if "parenting_concern" in true and "partner_risk" not in true:
            queues.append("family")
    return queues or ["intake"]


@given(true_facts, ages)
def test_queues_follow_the_clinical_policy(true: frozenset[str], age: int) -> None:
    decision = decide(facts_of(*true), age, RULES)
    assert [r.queue for r in decision.referrals] == clinical_queues(true, age)


@given(true_facts, ages)
def test_always_at_least_one_referral_and_no_queue_twice(true: frozenset[str], age: int) -> None:
    queues = [r.queue for r in decide(facts_of(*true), age, RULES).referrals]
    assert queues
    assert len(queues) == len(set(queues))


@given(true_facts, ages)
def test_couples_never_with_partner_risk_or_acute(true: frozenset[str], age: int) -> None:
    queues = {r.queue for r in decide(facts_of(*true), age, RULES).referrals}
    if true & {"partner_risk", "acute"}:
        assert "couples" not in queues


@given(true_facts, ages)
def test_priority(true: frozenset[str], age: int) -> None:
    decision = decide(facts_of(*true), age, RULES)
    raising = {
        "suicide_risk",
        "safety_unknown",
        "partner_risk",
        "abuse_disclosed",
        "severe_symptoms",
    }
    assert (decision.priority is Priority.URGENT) == ("acute" in true)
    assert (decision.priority is Priority.PRIORITY) == (
        bool(true & raising) and "acute" not in true
    )
    assert all(r.priority is decision.priority for r in decision.referrals)


@given(true_facts, ages)
def test_partner_safety_flag(true: frozenset[str], age: int) -> None:
    decision = decide(facts_of(*true), age, RULES)
    assert (PARTNER_SAFETY in decision.flags) == ("partner_risk" in true)
    couples_withheld = "couples_interest" in true and "acute" not in true
    withheld = age >= 18 and (couples_withheld or "parenting_concern" in true)
    assert bool(decision.notes) == ("partner_risk" in true and withheld)


@given(true_facts, ages)
def test_every_referral_says_why(true: frozenset[str], age: int) -> None:
    decision = decide(facts_of(*true), age, RULES)
    for referral in decision.referrals:
        assert referral.rule_ids and referral.because
        for fact in referral.facts:
            assert fact.value == (fact.name in true)
        if not set(referral.rule_ids) & RESERVED_RULE_IDS:
            assert {line for fact in referral.facts for line in fact.evidence} <= set(
                referral.because
            )
    assert len(decision.explain()) == 1 + len(decision.referrals) + len(decision.notes)


@given(true_facts, ages)
def test_as_dict_round_trips_through_json(true: frozenset[str], age: int) -> None:
    record = decide(facts_of(*true), age, RULES).as_dict()
    assert json.loads(json.dumps(record)) == record


@given(true_facts, true_facts)
def test_facts_report_exactly_the_true_ones(true: frozenset[str], other: frozenset[str]) -> None:
    facts = facts_of(*true)
    assert {fact.name for fact in facts if fact.value} == true
    assert (facts == facts_of(*other)) == (true == other)
