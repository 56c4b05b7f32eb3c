"""The routing decision: which queues an intake goes to, how urgently, and why.

The rule file says which queues apply and which facts raise the priority
(docs/clinical-policy.md). Built in here, not configurable: the general intake
referral when no rule applies (or when partner safety withheld the only
match), the notes on what partner safety withheld, and the decision flags that
staff see as badges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from referrals.facts import FACT_LABELS, Answers, Fact, Facts, ScoreLike, derive_facts
from referrals.queues import QUEUES
from referrals.rules import (
    FALLBACK_RULE_ID,
    PARTNER_SAFETY_RULE_ID,
    Priority,
    PriorityRule,
    Rule,
    RuleSet,
    default_rules,
)

PARTNER_SAFETY: Final = "partner_safety"
"""Decision flag: partner risk reported or not ruled out."""

FLAGS_BY_FACT: Final[Mapping[str, str]] = {
    "partner_risk": PARTNER_SAFETY,
    "safety_unknown": "safety_unknown",
    "cptsd": "cptsd",
    "abuse_disclosed": "safeguarding",
    "severe_symptoms": "severe_symptoms",
    "alcohol_risk": "alcohol_use",
}
"""The decision flags staff see, each raised by one fact."""

DECISION_FLAGS: Final = tuple(FLAGS_BY_FACT.values())


@dataclass(frozen=True, slots=True)
class Referral:
    """One queue an intake is referred to, with the rules and facts behind it."""

    queue: str
    priority: Priority
    rule_ids: tuple[str, ...]
    facts: tuple[Fact, ...]
    because: tuple[str, ...]
    """The evidence in plain words, in the order shown to staff."""
    priority_rule_ids: tuple[str, ...] = ()
    priority_because: str = ""
    """The sentence naming the facts that set the priority."""

    def sentence(self) -> str:
        """E.g. 'EMDR: PC-PTSD-5 score 4 (positive at 3)'."""
        return f"{QUEUES[self.queue].name}: {'; '.join(self.because)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "queue": self.queue,
            "priority": str(self.priority),
            "rule_ids": list(self.rule_ids),
            "facts": {fact.name: fact.value for fact in self.facts},
            "because": list(self.because),
            "priority_rule_ids": list(self.priority_rule_ids),
            "priority_sentence": self.priority_because,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one intake goes: referrals in order (the first is the primary)."""

    referrals: tuple[Referral, ...]
    priority: Priority
    priority_because: tuple[str, ...]
    priority_rule_ids: tuple[str, ...]
    flags: frozenset[str]
    notes: tuple[str, ...]
    facts: Facts
    subject_age: int
    rules_version: str

    @property
    def primary(self) -> Referral:
        return self.referrals[0]

    def explain(self) -> list[str]:
        """Plain sentences for staff: the priority, each referral, then any notes."""
        return [self.primary.priority_because, *(r.sentence() for r in self.referrals), *self.notes]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready record of the decision, stored with each referral."""
        return {
            "rules_version": self.rules_version,
            "subject_age": self.subject_age,
            "priority": str(self.priority),
            "priority_because": list(self.priority_because),
            "priority_rule_ids": list(self.priority_rule_ids),
            "flags": sorted(self.flags),
            "referrals": [referral.as_dict() for referral in self.referrals],
            "notes": list(self.notes),
            "facts": self.facts.as_dict(),
            "explanation": self.explain(),
        }


def decide(facts: Facts, subject_age: int, rules: RuleSet) -> Decision:
    """Route one intake: every rule that applies gives a referral, in rule order."""
    if isinstance(subject_age, bool) or not isinstance(subject_age, int) or subject_age < 0:
        raise ValueError(f"subject_age must be a whole number of years, 0 or more: {subject_age!r}")
    priority, raising = rules.priority_for(facts, subject_age)
    priority_facts = _priority_facts(raising, facts)
    sentence = _priority_sentence(priority, priority_facts)
    raised_by = tuple(rule.id for rule in raising)
    by_queue: dict[str, list[Rule]] = {}
    for rule in rules.rules:
        if rule.applies(facts, subject_age):
            by_queue.setdefault(rule.queue, []).append(rule)
    referrals = [
        _referral(queue, matched, facts, subject_age, priority)
        for queue, matched in by_queue.items()
    ]
    withheld = _withheld_for_partner_safety(rules, facts, subject_age, set(by_queue))
    notes = [
        f"Partner safety: {QUEUES[queue].name.lower()} not offered; "
        + "; ".join(facts["partner_risk"].evidence)
        for queue in withheld
    ]
    if not referrals:
        referrals.append(_intake_referral(facts, priority, withheld))
    referrals = [_with_priority_reason(referral, raised_by, sentence) for referral in referrals]
    return Decision(
        referrals=tuple(referrals),
        priority=priority,
        priority_because=tuple(line for fact in priority_facts for line in fact.evidence),
        priority_rule_ids=raised_by,
        flags=frozenset(flag for name, flag in FLAGS_BY_FACT.items() if facts.is_true(name)),
        notes=tuple(notes),
        facts=facts,
        subject_age=subject_age,
        rules_version=rules.version,
    )


def decide_intake(
    answers: Answers,
    scores: Mapping[str, ScoreLike],
    subject_age: int,
    rules: RuleSet | None = None,
) -> Decision:
    """Derive the facts of one intake and decide (default rules unless given)."""
    return decide(
        derive_facts(answers, scores, subject_age),
        subject_age,
        default_rules() if rules is None else rules,
    )


def _priority_facts(raising: tuple[PriorityRule, ...], facts: Facts) -> tuple[Fact, ...]:
    return tuple(dict.fromkeys(fact for rule in raising for fact in rule.deciding_facts(facts)))


def _priority_sentence(priority: Priority, deciding: tuple[Fact, ...]) -> str:
    """E.g. 'Priority: partner risk — rship.5 = 1 (partner hurt, threatened or controlled ...)'."""
    if not deciding:
        return f"{priority.value.capitalize()}: nothing found that raises the priority"
    named = (f"{FACT_LABELS[fact.name]} — {'; '.join(fact.evidence)}" for fact in deciding)
    return f"{priority.value.capitalize()}: {' | '.join(named)}"


def _with_priority_reason(referral: Referral, rule_ids: tuple[str, ...], sentence: str) -> Referral:
    return Referral(
        queue=referral.queue,
        priority=referral.priority,
        rule_ids=referral.rule_ids,
        facts=referral.facts,
        because=referral.because,
        priority_rule_ids=rule_ids,
        priority_because=sentence,
    )


def _withheld_for_partner_safety(
    rules: RuleSet, facts: Facts, age: int, offered: set[str]
) -> list[str]:
    """Queues a rule would have offered were it not for partner risk, in rule order."""
    if not facts.is_true("partner_risk"):
        return []
    without_risk = facts.without("partner_risk")
    return list(
        dict.fromkeys(
            rule.queue
            for rule in rules.rules
            if "partner_risk" in rule.none_of
            and rule.queue not in offered
            and rule.applies(without_risk, age)
        )
    )


def _referral(
    queue: str, rules: list[Rule], facts: Facts, age: int, priority: Priority
) -> Referral:
    deciding = list(dict.fromkeys(fact for rule in rules for fact in rule.deciding_facts(facts)))
    because = [line for fact in deciding for line in fact.evidence]
    because += [f"no {FACT_LABELS[fact.name]}" for fact in deciding if not fact.value]
    if not deciding:
        because = [f"age {age} ({rules[0].age_range()})"]
    return Referral(
        queue=queue,
        priority=priority,
        rule_ids=tuple(rule.id for rule in rules),
        facts=tuple(deciding),
        because=tuple(dict.fromkeys(because)),
    )


def _intake_referral(facts: Facts, priority: Priority, withheld: list[str]) -> Referral:
    if not withheld:
        no_match = ("no specialist queue matched",)
        return Referral("intake", priority, (FALLBACK_RULE_ID,), (), no_match)
    not_offered = " and ".join(QUEUES[queue].name.lower() for queue in withheld)
    return Referral(
        "intake",
        priority,
        (PARTNER_SAFETY_RULE_ID,),
        (facts["partner_risk"],),
        (
            f"{not_offered} not offered for partner safety",
            *facts["partner_risk"].evidence,
            "no other queue matched",
        ),
    )
