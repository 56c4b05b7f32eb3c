"""The rule set the routing engine applies: queue rules, priority rules, priorities.

These are plain values; `referrals.rules` reads and checks them from a rule file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from referrals.facts import Fact, Facts

FALLBACK_RULE_ID: Final = "fallback-intake"
PARTNER_SAFETY_RULE_ID: Final = "partner-safety"
RESERVED_RULE_IDS: Final = frozenset({FALLBACK_RULE_ID, PARTNER_SAFETY_RULE_ID})
"""Ids of the decisions built into `referrals.decide`; rule files may not use them."""


class Priority(StrEnum):
    URGENT = "urgent"
    PRIORITY = "priority"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Higher is more urgent."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK: Final = {Priority.ROUTINE: 0, Priority.PRIORITY: 1, Priority.URGENT: 2}


@dataclass(frozen=True, slots=True)
class Rule:
    """One routing rule: a queue, an age range and conditions on facts."""

    id: str
    queue: str
    min_age: int
    max_age: int | None
    description: str
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()

    def covers_age(self, age: int) -> bool:
        return self.min_age <= age and (self.max_age is None or age <= self.max_age)

    def applies(self, facts: Facts, age: int) -> bool:
        return (
            self.covers_age(age)
            and all(facts.is_true(name) for name in self.all_of)
            and (not self.any_of or any(facts.is_true(name) for name in self.any_of))
            and not any(facts.is_true(name) for name in self.none_of)
        )

    def deciding_facts(self, facts: Facts) -> tuple[Fact, ...]:
        """The facts, with their values, that made this rule apply."""
        return tuple(
            [facts[name] for name in self.all_of]
            + [facts[name] for name in self.any_of if facts.is_true(name)]
            + [facts[name] for name in self.none_of]
        )

    def age_range(self) -> str:
        if self.max_age is None:
            return f"ages {self.min_age} and over"
        return f"ages {self.min_age} to {self.max_age}"


@dataclass(frozen=True, slots=True)
class PriorityRule:
    """Raises the priority of an intake's referrals when its conditions hold."""

    id: str
    priority: Priority
    min_age: int
    max_age: int | None
    description: str
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def applies(self, facts: Facts, age: int) -> bool:
        return (
            self.min_age <= age
            and (self.max_age is None or age <= self.max_age)
            and all(facts.is_true(name) for name in self.all_of)
            and (not self.any_of or any(facts.is_true(name) for name in self.any_of))
        )

    def deciding_facts(self, facts: Facts) -> tuple[Fact, ...]:
        """The true facts that made this rule apply."""
        names = (*self.all_of, *self.any_of)
        return tuple(facts[name] for name in dict.fromkeys(names) if facts.is_true(name))


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A validated rule file: priority rules and ordered queue rules."""

    version: str
    rules: tuple[Rule, ...]
    source: str
    priority_rules: tuple[PriorityRule, ...] = ()

    def priority_for(self, facts: Facts, age: int) -> tuple[Priority, tuple[PriorityRule, ...]]:
        """The highest priority any rule gives, with the rules that give it (routine: none)."""
        applying = [rule for rule in self.priority_rules if rule.applies(facts, age)]
        if not applying:
            return Priority.ROUTINE, ()
        highest = max(applying, key=lambda rule: rule.priority.rank).priority
        return highest, tuple(rule for rule in applying if rule.priority is highest)
