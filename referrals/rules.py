"""Routing rule files: their schema, and the loader that refuses a broken one.

A rule file (YAML) has a `version`, a list of `priority` rules and an ordered
list of queue `rules`. A queue rule sends an intake to one queue when the
subject's age is in range and the facts meet its conditions: every fact in
`all_of` true, at least one in `any_of` true (when given), none in `none_of`
true. A priority rule raises every referral of the intake to its priority
under the same age and `all_of`/`any_of` conditions; the highest priority
that applies wins, and routine is what is left. The file is read into the
pydantic models below and then into the engine's `RuleSet`; every error names
the file, the rule (number and id), the field and the rule of the schema that
the file breaks.

Some of the policy is safety and no rule file may weaken it
(docs/clinical-policy.md): acute risk is always urgent, suicide risk at
least priority, and couples or adult family work is never offered with partner
risk (nor couples work when risk is acute).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from referrals.facts import ADULT_AGE, FACT_LABELS, Facts
from referrals.queues import QUEUES
from referrals.ruleset import (
    FALLBACK_RULE_ID,
    PARTNER_SAFETY_RULE_ID,
    RESERVED_RULE_IDS,
    Priority,
    PriorityRule,
    Rule,
    RuleSet,
)

__all__ = [
    "DEFAULT_RULES_PATH",
    "FALLBACK_RULE_ID",
    "MAX_AGE",
    "PARTNER_SAFETY_RULE_ID",
    "RESERVED_RULE_IDS",
    "Priority",
    "PriorityRule",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "default_rules",
    "load_rules",
    "parse_rules",
]

DEFAULT_RULES_PATH: Final = Path(__file__).resolve().parent.parent / "config" / "routing.yaml"
MAX_AGE: Final = 125
# libyaml's parser when PyYAML has it (as forms.fields): every app start reads this file.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RULE_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_MUST_EXCLUDE: Final[Mapping[str, tuple[str, ...]]] = {
    "couples": ("partner_risk", "acute"),
    "family": ("partner_risk",),
}
"""Queue: facts its adult rules must list under none_of (partner safety, acute risk)."""
_PRIORITY_FLOORS: Final[Mapping[str, Priority]] = {
    "acute": Priority.URGENT,
    "suicide_risk": Priority.PRIORITY,
}
"""Safety: the least priority each of these facts must give, on its own, at every age."""


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message names the rule and field."""


def _broken(problem: str) -> PydanticCustomError:
    """The error a validator raises: `problem` says which rule of the schema is broken."""
    return PydanticCustomError("rule_file", "{problem}", {"problem": problem})


def _rule_id(value: object) -> str:
    if not isinstance(value, str) or not _RULE_ID.fullmatch(value):
        raise _broken("must be lower-case letters, digits, '-' or '_'")
    if value in RESERVED_RULE_IDS:
        raise _broken(f"{value!r} is reserved for a built-in decision")
    return value


def _queue(value: object) -> str:
    if not isinstance(value, str) or value not in QUEUES:
        raise _broken(f"unknown queue {value!r} (known: {', '.join(QUEUES)})")
    return value


def _raised_priority(value: object) -> Priority:
    if value not in (Priority.URGENT.value, Priority.PRIORITY.value):
        raise _broken(f"must be 'urgent' or 'priority', not {value!r}")
    return Priority(value)


def _age(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _broken(f"must be a whole number of years, 0 or more, not {value!r}")
    return value


def _optional_age(value: object) -> int | None:
    return None if value is None else _age(value)


def _not_below_min_age(max_age: int | None, info: ValidationInfo) -> int | None:
    min_age = info.data.get("min_age")
    if max_age is not None and min_age is not None and max_age < min_age:
        raise _broken(f"{max_age} is below min_age {min_age}")
    return max_age


def _description(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _broken("must be a non-empty sentence for staff")
    return value.strip()


def _facts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _broken("must be a list of fact names")
    for name in value:
        if not isinstance(name, str) or name not in FACT_LABELS:
            raise _broken(f"unknown fact {name!r} (known: {', '.join(FACT_LABELS)})")
        if value.count(name) > 1:
            raise _broken(f"fact {name!r} listed twice")
    return tuple(value)


def _safe_exclusions(none_of: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    """none_of may not exclude a required fact, and must hold the adult safety exclusions."""
    required = (*info.data.get("all_of", ()), *info.data.get("any_of", ()))
    for name in none_of:
        if name in required:
            raise _broken(f"fact {name!r} is also required, so the rule can never apply")
    queue = info.data.get("queue", "")
    if "max_age" not in info.data:  # refused already, so whether the rule is adult is unknown
        return none_of
    max_age = info.data["max_age"]
    adult_rule = max_age is None or max_age >= ADULT_AGE
    for name in _MUST_EXCLUDE.get(queue, ()) if adult_rule else ():
        if name not in none_of:
            raise _broken(f"an adult {queue} rule must exclude {name!r} (partner safety)")
    return none_of


def _version(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise _broken("must be a non-empty string or number")
    return str(value)


def _non_empty_list(problem: str) -> Callable[[object], list[Any]]:
    def check(value: object) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise _broken(problem)
        return value

    return check


RuleId = Annotated[str, BeforeValidator(_rule_id)]
QueueId = Annotated[str, BeforeValidator(_queue)]
RaisedPriority = Annotated[Priority, BeforeValidator(_raised_priority)]
Age = Annotated[int, BeforeValidator(_age)]
MaxAge = Annotated[int | None, BeforeValidator(_optional_age), AfterValidator(_not_below_min_age)]
Description = Annotated[str, BeforeValidator(_description)]
FactNames = Annotated[tuple[str, ...], BeforeValidator(_facts)]
Exclusions = Annotated[FactNames, AfterValidator(_safe_exclusions)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriorityRuleEntry(_Entry):
    """A priority rule as written in the file."""

    id: RuleId
    priority: RaisedPriority
    min_age: Age = 0
    max_age: MaxAge = None
    description: Description
    all_of: FactNames = ()
    any_of: FactNames = ()

    def to_rule(self) -> PriorityRule:
        return PriorityRule(
            self.id,
            self.priority,
            self.min_age,
            self.max_age,
            self.description,
            self.all_of,
            self.any_of,
        )


class QueueRuleEntry(_Entry):
    """A queue rule as written in the file (fields are checked in this order)."""

    id: RuleId
    queue: QueueId
    min_age: Age
    max_age: MaxAge = None
    description: Description
    all_of: FactNames = ()
    any_of: FactNames = ()
    # Checked when left out too: an adult couples or family rule must list exclusions.
    none_of: Exclusions = Field(default_factory=list, validate_default=True)

    def to_rule(self) -> Rule:
        return Rule(
            self.id,
            self.queue,
            self.min_age,
            self.max_age,
            self.description,
            self.all_of,
            self.any_of,
            self.none_of,
        )


class RuleFile(_Entry):
    """A whole rule file. A top-level field left out is refused like an empty one."""

    version: Annotated[str, BeforeValidator(_version)] = Field(None, validate_default=True)
    priority: Annotated[
        tuple[PriorityRuleEntry, ...],
        BeforeValidator(_non_empty_list("must be a non-empty list of rules")),
    ] = Field(None, validate_default=True)
    rules: Annotated[
        tuple[QueueRuleEntry, ...], BeforeValidator(_non_empty_list("must be a non-empty list"))
    ] = Field(None, validate_default=True)

    def to_ruleset(self, source: str) -> RuleSet:
        return RuleSet(
            version=self.version,
            rules=tuple(entry.to_rule() for entry in self.rules),
            source=source,
            priority_rules=tuple(entry.to_rule() for entry in self.priority),
        )

    @model_validator(mode="after")
    def _ids_are_unique_and_safety_floors_hold(self) -> Self:
        problem = _id_problem(self) or _floor_problem(self.to_ruleset(""))
        if problem:
            raise _broken(problem)
        return self


def _where(field: str, number: int, rule_id: object) -> str:
    """A rule in the file in words: `rule 2 ('adult-couples')`, `priority rule 1`."""
    kind = "rule" if field == "rules" else "priority rule"
    return f"{kind} {number}" + (f" ({rule_id!r})" if isinstance(rule_id, str) else "")


def _id_problem(file: RuleFile) -> str | None:
    queue_ids: set[str] = set()
    for number, rule in enumerate(file.rules, start=1):
        if rule.id in queue_ids:
            return f"{_where('rules', number, rule.id)}, field 'id': duplicate id"
        queue_ids.add(rule.id)
    priority_ids: set[str] = set()
    for number, priority_rule in enumerate(file.priority, start=1):
        where = _where("priority", number, priority_rule.id)
        if priority_rule.id in priority_ids:
            return f"{where}, field 'id': duplicate id"
        if priority_rule.id in queue_ids:
            return f"{where}, field 'id': also the id of a queue rule"
        priority_ids.add(priority_rule.id)
    return None


def _floor_problem(ruleset: RuleSet) -> str | None:
    for name, floor in _PRIORITY_FLOORS.items():
        only = Facts({name: [FACT_LABELS[name]]})
        for age in range(MAX_AGE + 1):
            if ruleset.priority_for(only, age)[0].rank < floor.rank:
                return (
                    f"field 'priority': {name!r} on its own must give at least "
                    f"{floor.value!r} at every age (safety); at age {age} it does not"
                )
    return None


def _error_message(error: ErrorDetails, data: object) -> str:
    """One validation error in words: where in the file, and which rule it breaks."""
    loc, kind = error["loc"], error["type"]
    if not loc:
        if kind == "model_type":
            return "expected a mapping with 'version', 'priority' and 'rules'"
        return error["msg"]
    if len(loc) == 1:
        if kind == "extra_forbidden":
            return f"unknown top-level field(s) {loc[0]}"
        return f"field {loc[0]!r} {error['msg']}"
    field, index = str(loc[0]), loc[1]
    entries = data.get(field) if isinstance(data, Mapping) else None
    entry = entries[index] if isinstance(entries, list) and isinstance(index, int) else None
    rule_id = entry.get("id") if isinstance(entry, Mapping) else None
    where = _where(field, int(index) + 1, rule_id)
    if len(loc) == 2:
        return f"{where}: expected a mapping of fields"
    return f"{where}, field {loc[2]!r}: {_entry_problem(error, field)}"


def _entry_problem(error: ErrorDetails, field: str) -> str:
    if error["type"] == "missing":
        return "missing"
    if error["type"] == "extra_forbidden":
        model = QueueRuleEntry if field == "rules" else PriorityRuleEntry
        return f"unknown field (allowed: {', '.join(sorted(model.model_fields))})"
    return error["msg"]


def parse_rules(data: object, source: str) -> RuleSet:
    """Validate already-parsed rule data; `source` names it in error messages."""
    try:
        file = RuleFile.model_validate(data)
    except ValidationError as error:
        problems = [f"{source}: {_error_message(e, data)}" for e in error.errors()]
        raise RuleFileError("\n".join(problems)) from None
    return file.to_ruleset(source)


def load_rules(path: str | os.PathLike[str] = DEFAULT_RULES_PATH) -> RuleSet:
    """Read and validate a rule file (the shipped default unless a clinic names its own)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise RuleFileError(f"{source}: cannot read the rule file: {error.strerror}") from error
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise RuleFileError(f"{source}: not valid YAML: {error}") from error
    return parse_rules(data, source)


@cache
def default_rules() -> RuleSet:
    """The shipped default rules, read once per process."""
    return load_rules()
