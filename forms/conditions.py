"""Show-when conditions shared by item definitions and flows.

YAML forms (``null`` in ``in`` means "prefer not to answer"; an item not yet asked
never matches)::

    {item: pcptsd5.0, in: [1]}
    {positive: pcptsd5, in: [true, null]}      # an earlier instrument's screen result
    {any_of: [<condition>, ...]}
    {all_of: [<condition>, ...]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerIn:
    item: str
    values: frozenset[int | None]


@dataclass(frozen=True)
class PositiveIn:
    instrument: str
    values: frozenset[bool | None]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


Condition = AnswerIn | PositiveIn | AnyOf | AllOf

PositiveOf = Callable[[str], bool | None]
"""Returns an instrument's ``positive`` (True/False/None) from the answers so far."""


def evaluate(
    condition: Condition,
    answers: Mapping[str, int | None],
    positive_of: PositiveOf | None = None,
) -> bool:
    if isinstance(condition, AnswerIn):
        return condition.item in answers and answers[condition.item] in condition.values
    if isinstance(condition, PositiveIn):
        if positive_of is None:
            raise ValueError(f"condition on {condition.instrument!r} needs instrument results")
        return positive_of(condition.instrument) in condition.values
    if isinstance(condition, AnyOf):
        return any(evaluate(c, answers, positive_of) for c in condition.conditions)
    return all(evaluate(c, answers, positive_of) for c in condition.conditions)


def referenced_items(condition: Condition) -> Iterator[str]:
    if isinstance(condition, AnswerIn):
        yield condition.item
    elif isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from referenced_items(inner)


def referenced_instruments(condition: Condition) -> Iterator[str]:
    if isinstance(condition, PositiveIn):
        yield condition.instrument
    elif isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from referenced_instruments(inner)


def describe(condition: Condition) -> str:
    """Plain-text rendering for the data dictionary."""
    if isinstance(condition, AnswerIn):
        shown = sorted(("refused" if v is None else str(v)) for v in condition.values)
        return f"{condition.item} in {{{', '.join(shown)}}}"
    if isinstance(condition, PositiveIn):
        shown = sorted(
            {True: "positive", False: "negative", None: "undetermined"}[v] for v in condition.values
        )
        return f"{condition.instrument} {' or '.join(shown)}"
    joiner = " or " if isinstance(condition, AnyOf) else " and "
    return "(" + joiner.join(describe(c) for c in condition.conditions) + ")"
