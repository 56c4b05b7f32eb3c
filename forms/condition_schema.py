"""Show-when conditions as written in the definition files (see :mod:`forms.conditions`).

A condition is a mapping whose keys say its kind: ``any_of`` or ``all_of`` (a group),
``total``, ``positive``, else ``item``. ``ConditionValue`` reads one into a
:data:`forms.conditions.Condition` with the model of its kind, so an error names the
field inside the condition (``items[3].show_when.any_of[1].in``).
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    model_validator,
)

from forms.conditions import AllOf, AnswerIn, AnyOf, Condition, PositiveIn, TotalWithin
from forms.schema import (
    Entry,
    Integer,
    List,
    Str,
    problem,
    refuse_at,
)


def _condition(value: object) -> Condition:
    if not isinstance(value, dict):
        raise problem("a condition must be a mapping")
    if "any_of" in value:
        return AnyOfEntry.model_validate(value).to_condition()
    if "all_of" in value:
        return AllOfEntry.model_validate(value).to_condition()
    if "total" in value:
        return TotalEntry.model_validate(value).to_condition()
    if "positive" in value:
        return PositiveEntry.model_validate(value).to_condition()
    return AnswerEntry.model_validate(value).to_condition()


ConditionValue = Annotated[Condition, PlainValidator(_condition)]


def _not_empty(conditions: tuple[Condition, ...]) -> tuple[Condition, ...]:
    if not conditions:
        raise problem("must not be empty")
    return conditions


Conditions = Annotated[tuple[ConditionValue, ...], List, AfterValidator(_not_empty)]


class AnyOfEntry(Entry):
    any_of: Conditions

    def to_condition(self) -> AnyOf:
        return AnyOf(self.any_of)


class AllOfEntry(Entry):
    all_of: Conditions

    def to_condition(self) -> AllOf:
        return AllOf(self.all_of)


class TotalEntry(Entry):
    """An earlier instrument's total within ``min`` and/or ``max``."""

    total: Str
    min: Integer | None = None
    max: Integer | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.min is None and self.max is None:
            refuse_at(("total",), "give min and/or max", self.total)
        if self.min is not None and self.max is not None and self.min > self.max:
            refuse_at(("min",), f"{self.min} is above max {self.max}", self.min)
        return self

    def to_condition(self) -> TotalWithin:
        return TotalWithin(self.total, self.min, self.max)


def _screen_results(value: object) -> frozenset[bool | None]:
    values = _answers_list(value)
    if not values or any(v not in (True, False, None) for v in values):
        raise problem("must list true, false and/or null")
    return frozenset(values)


def _answer_codes(value: object) -> frozenset[int | None]:
    values = _answers_list(value)
    if not values or any(isinstance(v, bool) or not isinstance(v, int | None) for v in values):
        raise problem("must list answer codes and/or null (prefer not to answer)")
    return frozenset(values)


def _answers_list(value: object) -> list[Any]:
    if value is None:
        raise problem("is required")
    if not isinstance(value, list):
        raise problem("must be a list")
    return value


class PositiveEntry(Entry):
    """An earlier instrument's screen result (``positive``) is one of ``in``."""

    positive: Str
    values: Annotated[frozenset[bool | None], PlainValidator(_screen_results)] = Field(alias="in")

    def to_condition(self) -> PositiveIn:
        return PositiveIn(self.positive, self.values)


class AnswerEntry(Entry):
    """An earlier item's answer is one of ``in`` (null: prefer not to answer)."""

    item: Str
    values: Annotated[frozenset[int | None], PlainValidator(_answer_codes)] = Field(alias="in")

    def to_condition(self) -> AnswerIn:
        return AnswerIn(self.item, self.values)
