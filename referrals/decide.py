"""The routing decision: which queues an intake goes to, how urgently, and why.

The rules say which queues apply; the safety policy of CLINICAL.md is built in
here and not configurable: the priority, the general intake referral when no
rule applies, and the partner-safety flag when couples work is asked for but
partner risk is reported or not ruled out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from referrals.facts import FACT_LABELS, Answers, Fact, Facts, ScoreLike, derive_facts
from referrals.queues import QUEUES
from referrals.rules import (
    FALLBACK_RULE_ID,
    PARTNER_SAFETY_RULE_ID,
    Rule,
    RuleSet,
    default_rules,
)

PARTNER_SAFETY: Final = "partner_safety"
"""Decision flag: couples work asked for while partner risk is reported or not ruled out."""


class Priority(StrEnum):
    URGENT = "urgent"
    PRIORITY = "priority"
    ROUTINE = "routine"


@dataclass(frozen=True, slots=True)
class Referral:
    """One queue an intake is referred to, with the rules and facts behind it."""

    queue: str
    priority: Priority
    rule_ids: tuple[str, ...]
    facts: tuple[Fact, ...]
    because: tuple[str, ...]
    """The evidence in plain words, in the order shown to staff."""

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
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one intake goes: referrals in order (the first is the primary)."""

    referrals: tuple[Referral, ...]
    priority: Priority
    priority_because: tuple[str, ...]
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
        return [_priority_sentence(self), *(r.sentence() for r in self.referrals), *self.notes]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready record of the decision, stored with each referral."""
        return {
            "rules_version": self.rules_version,
            "subject_age": self.subject_age,
            "priority": str(self.priority),
            "priority_because": list(self.priority_because),
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
    priority, priority_because = _priority(facts)
    by_queue: dict[str, list[Rule]] = {}
    for rule in rules.rules:
        if rule.applies(facts, subject_age):
            by_queue.setdefault(rule.queue, []).append(rule)
    referrals = [
        _referral(queue, matched, facts, subject_age, priority)
        for queue, matched in by_queue.items()
    ]
    flags: set[str] = set()
    notes: list[str] = []
    partner_risk = facts["partner_risk"]
    if facts.is_true("couples_interest") and partner_risk.value:
        flags.add(PARTNER_SAFETY)
        notes.append(
            f"Partner safety: couples therapy not offered; {'; '.join(partner_risk.evidence)}"
        )
    if not referrals:
        referrals.append(_intake_referral(facts, priority, partner_safety=bool(flags)))
    return Decision(
        referrals=tuple(referrals),
        priority=priority,
        priority_because=priority_because,
        flags=frozenset(flags),
        notes=tuple(notes),
        facts=facts,
        subject_age=subject_age,
        rules_version=rules.version,
    )


def route(
    answers: Answers,
    scores: Mapping[str, ScoreLike],
    subject_age: int,
    rules: RuleSet | None = None,
) -> Decision:
    """Derive the facts of one intake and decide (default rules unless given)."""
    return decide(
        derive_facts(answers, scores), subject_age, default_rules() if rules is None else rules
    )


def _priority(facts: Facts) -> tuple[Priority, tuple[str, ...]]:
    for name, priority in (("acute", Priority.URGENT), ("suicide_risk", Priority.PRIORITY)):
        if facts.is_true(name):
            return priority, facts[name].evidence
    return Priority.ROUTINE, ()


def _priority_sentence(decision: Decision) -> str:
    """E.g. 'Urgent: ASQ acute_positive'."""
    because = decision.priority_because or ("no acute risk or suicide risk indicated",)
    return f"{decision.priority.value.capitalize()}: {'; '.join(because)}"


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


def _intake_referral(facts: Facts, priority: Priority, *, partner_safety: bool) -> Referral:
    if not partner_safety:
        no_match = ("no specialist queue matched",)
        return Referral("intake", priority, (FALLBACK_RULE_ID,), (), no_match)
    return Referral(
        "intake",
        priority,
        (PARTNER_SAFETY_RULE_ID,),
        (facts["couples_interest"], facts["partner_risk"]),
        (
            "couples therapy not offered for partner safety",
            *facts["partner_risk"].evidence,
            "no other queue matched",
        ),
    )
