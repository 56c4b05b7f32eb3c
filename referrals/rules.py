"""Routing rules held as data, with the loader that refuses a broken rule file.

A rule file (YAML) has a `version` and an ordered list of `rules`. Each rule
sends an intake to one queue when the subject's age is in range and the facts
meet its conditions: every fact in `all_of` true, at least one in `any_of`
true (when given), none in `none_of` true. Errors name the rule and the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import yaml

from referrals.facts import FACT_LABELS, Fact, Facts
from referrals.queues import QUEUES

DEFAULT_RULES_PATH: Final = Path(__file__).resolve().parent.parent / "config" / "routing.yaml"
FALLBACK_RULE_ID: Final = "fallback-intake"
PARTNER_SAFETY_RULE_ID: Final = "partner-safety"
RESERVED_RULE_IDS: Final = frozenset({FALLBACK_RULE_ID, PARTNER_SAFETY_RULE_ID})
"""Ids of the decisions built into `referrals.decide`; rule files may not use them."""

_RULE_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_CONDITION_FIELDS: Final = ("all_of", "any_of", "none_of")
_RULE_FIELDS: Final = frozenset(
    {"id", "queue", "min_age", "max_age", "description", *_CONDITION_FIELDS}
)
_REQUIRED_RULE_FIELDS: Final = ("id", "queue", "min_age", "description")
_COUPLES_MUST_EXCLUDE: Final = ("partner_risk", "acute")
"""CLINICAL.md: couples therapy is never offered with partner risk, nor when acute."""


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
class RuleSet:
    """A validated, ordered rule file."""

    version: str
    rules: tuple[Rule, ...]
    source: str


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
        raise RuleFileError(f"{source}: expected a mapping with 'version' and 'rules'")
    unknown = sorted(set(map(str, data)) - {"version", "rules"})
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
    return RuleSet(version=str(version), rules=tuple(rules), source=source)


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
    min_age, max_age = entry["min_age"], entry.get("max_age")
    if not _is_age(min_age):
        raise fail("min_age", f"must be a whole number of years, 0 or more, not {min_age!r}")
    if max_age is not None and not _is_age(max_age):
        raise fail("max_age", f"must be a whole number of years, 0 or more, not {max_age!r}")
    if max_age is not None and max_age < min_age:
        raise fail("max_age", f"{max_age} is below min_age {min_age}")
    description = entry["description"]
    if not isinstance(description, str) or not description.strip():
        raise fail("description", "must be a non-empty sentence for staff")
    all_of, any_of, none_of = (
        _parse_facts(entry.get(field, []), fail, field) for field in _CONDITION_FIELDS
    )
    for name in none_of:
        if name in all_of or name in any_of:
            raise fail("none_of", f"fact {name!r} is also required, so the rule can never apply")
    if queue == "couples":
        for name in _COUPLES_MUST_EXCLUDE:
            if name not in none_of:
                raise fail("none_of", f"a couples rule must exclude {name!r} (partner safety)")
    return Rule(rule_id, queue, min_age, max_age, description.strip(), all_of, any_of, none_of)


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
