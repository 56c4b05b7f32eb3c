"""Routing rules held as data, with the loader that refuses a broken rule file.

A rule file (YAML) has a `version`, a list of `priority` rules and an ordered
list of queue `rules`. A queue rule sends an intake to one queue when the
subject's age is in range and the facts meet its conditions: every fact in
`all_of` true, at least one in `any_of` true (when given), none in `none_of`
true. A priority rule raises every referral of the intake to its priority
under the same age and `all_of`/`any_of` conditions; the highest priority
that applies wins, and routine is what is left. Errors name the rule and the
field.

Some of the policy is safety and no rule file may weaken it
(docs/clinical-policy.md): acute risk is always urgent, suicide risk at
least priority, and couples or adult family work is never offered with partner
risk (nor couples work when risk is acute).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Final

import yaml

from referrals.facts import ADULT_AGE, FACT_LABELS, Fact, Facts
from referrals.queues import QUEUES

DEFAULT_RULES_PATH: Final = Path(__file__).resolve().parent.parent / "config" / "routing.yaml"
FALLBACK_RULE_ID: Final = "fallback-intake"
PARTNER_SAFETY_RULE_ID: Final = "partner-safety"
RESERVED_RULE_IDS: Final = frozenset({FALLBACK_RULE_ID, PARTNER_SAFETY_RULE_ID})
"""Ids of the decisions built into `referrals.decide`; rule files may not use them."""

MAX_AGE: Final = 125
_RULE_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_CONDITION_FIELDS: Final = ("all_of", "any_of", "none_of")
_RULE_FIELDS: Final = frozenset(
    {"id", "queue", "min_age", "max_age", "description", *_CONDITION_FIELDS}
)
_REQUIRED_RULE_FIELDS: Final = ("id", "queue", "min_age", "description")
_PRIORITY_RULE_FIELDS: Final = frozenset(
    {"id", "priority", "min_age", "max_age", "description", "all_of", "any_of"}
)
_REQUIRED_PRIORITY_FIELDS: Final = ("id", "priority", "description")
_MUST_EXCLUDE: Final[Mapping[str, tuple[str, ...]]] = {
    "couples": ("partner_risk", "acute"),
    "family": ("partner_risk",),
}
"""Queue: facts its adult rules must list under none_of (partner safety, acute risk)."""


class Priority(StrEnum):
    URGENT = "urgent"
    PRIORITY = "priority"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Higher is more urgent."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK: Final = {Priority.ROUTINE: 0, Priority.PRIORITY: 1, Priority.URGENT: 2}
_PRIORITY_FLOORS: Final[Mapping[str, Priority]] = {
    "acute": Priority.URGENT,
    "suicide_risk": Priority.PRIORITY,
}
"""Safety: the least priority each of these facts must give, on its own, at every age."""


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message names the rule and field."""


_Fail = Callable[[str, str], RuleFileError]


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


def load_rules(path: str | os.PathLike[str] = DEFAULT_RULES_PATH) -> RuleSet:
    """Read and validate a rule file (the shipped default unless a clinic names its own)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise RuleFileError(f"{source}: cannot read the rule file: {error.strerror}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RuleFileError(f"{source}: not valid YAML: {error}") from error
    return parse_rules(data, source)


@cache
def default_rules() -> RuleSet:
    """The shipped default rules, read once per process."""
    return load_rules()


def parse_rules(data: object, source: str) -> RuleSet:
    """Validate already-parsed rule data; `source` names it in error messages."""
    if not isinstance(data, Mapping):
        raise RuleFileError(f"{source}: expected a mapping with 'version', 'priority' and 'rules'")
    unknown = sorted(set(map(str, data)) - {"version", "priority", "rules"})
    if unknown:
        raise RuleFileError(f"{source}: unknown top-level field(s) {', '.join(unknown)}")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, str | int) or str(version) == "":
        raise RuleFileError(f"{source}: field 'version' must be a non-empty string or number")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RuleFileError(f"{source}: field 'rules' must be a non-empty list")
    rules: list[Rule] = []
    for number, entry in enumerate(entries, start=1):
        rule = _parse_rule(entry, f"{source}: rule {number}")
        if any(rule.id == seen.id for seen in rules):
            raise RuleFileError(f"{source}: rule {number} ({rule.id!r}), field 'id': duplicate id")
        rules.append(rule)
    priority_rules = _parse_priority_rules(data.get("priority"), source)
    for number, priority_rule in enumerate(priority_rules, start=1):
        if any(priority_rule.id == rule.id for rule in rules):
            raise RuleFileError(
                f"{source}: priority rule {number} ({priority_rule.id!r}), field 'id': "
                "also the id of a queue rule"
            )
    return RuleSet(
        version=str(version), rules=tuple(rules), source=source, priority_rules=priority_rules
    )


def _parse_priority_rules(entries: object, source: str) -> tuple[PriorityRule, ...]:
    if not isinstance(entries, list) or not entries:
        raise RuleFileError(f"{source}: field 'priority' must be a non-empty list of rules")
    rules: list[PriorityRule] = []
    for number, entry in enumerate(entries, start=1):
        rule = _parse_priority_rule(entry, f"{source}: priority rule {number}")
        if any(rule.id == seen.id for seen in rules):
            raise RuleFileError(
                f"{source}: priority rule {number} ({rule.id!r}), field 'id': duplicate id"
            )
        rules.append(rule)
    ruleset = RuleSet(version="", rules=(), source=source, priority_rules=tuple(rules))
    for name, floor in _PRIORITY_FLOORS.items():
        only = Facts({name: [FACT_LABELS[name]]})
        for age in range(MAX_AGE + 1):
            if ruleset.priority_for(only, age)[0].rank < floor.rank:
                raise RuleFileError(
                    f"{source}: field 'priority': {name!r} on its own must give at least "
                    f"{floor.value!r} at every age (safety); at age {age} it does not"
                )
    return tuple(rules)


def _parse_priority_rule(entry: object, where: str) -> PriorityRule:
    if not isinstance(entry, Mapping):
        raise RuleFileError(f"{where}: expected a mapping of fields")
    rule_id = entry.get("id")
    if isinstance(rule_id, str):
        where = f"{where} ({rule_id!r})"

    def fail(field: str, problem: str) -> RuleFileError:
        return RuleFileError(f"{where}, field {field!r}: {problem}")

    unknown = sorted(set(map(str, entry)) - _PRIORITY_RULE_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(_PRIORITY_RULE_FIELDS))
        raise fail(unknown[0], f"unknown field (allowed: {allowed})")
    for field in _REQUIRED_PRIORITY_FIELDS:
        if entry.get(field) is None:
            raise fail(field, "missing")
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        raise fail("id", "must be lower-case letters, digits, '-' or '_'")
    if rule_id in RESERVED_RULE_IDS:
        raise fail("id", f"{rule_id!r} is reserved for a built-in decision")
    raised = entry["priority"]
    if raised not in (Priority.URGENT.value, Priority.PRIORITY.value):
        raise fail("priority", f"must be 'urgent' or 'priority', not {raised!r}")
    min_age, max_age = _parse_ages(entry, fail, default_min=0)
    description = _parse_description(entry, fail)
    all_of = _parse_facts(entry.get("all_of", []), fail, "all_of")
    any_of = _parse_facts(entry.get("any_of", []), fail, "any_of")
    return PriorityRule(rule_id, Priority(raised), min_age, max_age, description, all_of, any_of)


def _parse_ages(
    entry: Mapping[str, object], fail: _Fail, default_min: int | None
) -> tuple[int, int | None]:
    min_age = entry.get("min_age", default_min)
    max_age = entry.get("max_age")
    if not isinstance(min_age, int) or not _is_age(min_age):
        raise fail("min_age", f"must be a whole number of years, 0 or more, not {min_age!r}")
    if max_age is None:
        return min_age, None
    if not isinstance(max_age, int) or not _is_age(max_age):
        raise fail("max_age", f"must be a whole number of years, 0 or more, not {max_age!r}")
    if max_age < min_age:
        raise fail("max_age", f"{max_age} is below min_age {min_age}")
    return min_age, max_age


def _parse_description(entry: Mapping[str, object], fail: _Fail) -> str:
    description = entry["description"]
    if not isinstance(description, str) or not description.strip():
        raise fail("description", "must be a non-empty sentence for staff")
    return description.strip()


def _parse_rule(entry: object, where: str) -> Rule:
    if not isinstance(entry, Mapping):
        raise RuleFileError(f"{where}: expected a mapping of fields")
    rule_id = entry.get("id")
    if isinstance(rule_id, str):
        where = f"{where} ({rule_id!r})"

    def fail(field: str, problem: str) -> RuleFileError:
        return RuleFileError(f"{where}, field {field!r}: {problem}")

    unknown = sorted(set(map(str, entry)) - _RULE_FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field (allowed: {', '.join(sorted(_RULE_FIELDS))})")
    for field in _REQUIRED_RULE_FIELDS:
        if entry.get(field) is None:
            raise fail(field, "missing")
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        raise fail("id", "must be lower-case letters, digits, '-' or '_'")
    if rule_id in RESERVED_RULE_IDS:
        raise fail("id", f"{rule_id!r} is reserved for a built-in decision")
    queue = entry["queue"]
    if not isinstance(queue, str) or queue not in QUEUES:
        raise fail("queue", f"unknown queue {queue!r} (known: {', '.join(QUEUES)})")
    min_age, max_age = _parse_ages(entry, fail, default_min=None)
    description = _parse_description(entry, fail)
    all_of, any_of, none_of = (
        _parse_facts(entry.get(field, []), fail, field) for field in _CONDITION_FIELDS
    )
    for name in none_of:
        if name in all_of or name in any_of:
            raise fail("none_of", f"fact {name!r} is also required, so the rule can never apply")
    adult_rule = max_age is None or max_age >= ADULT_AGE
    for name in _MUST_EXCLUDE.get(queue, ()) if adult_rule else ():
        if name not in none_of:
            raise fail("none_of", f"an adult {queue} rule must exclude {name!r} (partner safety)")
    return Rule(rule_id, queue, min_age, max_age, description, all_of, any_of, none_of)


def _parse_facts(value: object, fail: _Fail, field: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise fail(field, "must be a list of fact names")
    for name in value:
        if not isinstance(name, str) or name not in FACT_LABELS:
            raise fail(field, f"unknown fact {name!r} (known: {', '.join(FACT_LABELS)})")
        if value.count(name) > 1:
            raise fail(field, f"fact {name!r} listed twice")
    return tuple(value)


def _is_age(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
