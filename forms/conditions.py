"""Show-when conditions shared by item definitions and flows.

YAML forms (``null`` in ``in`` means "prefer not to answer"; an item not yet asked
never matches)::

    {item: pcptsd5.0, in: [1]}
    {positive: pcptsd5, in: [true, null]}      # an earlier instrument's screen result
    {total: apgar, max: 6}                     # an earlier instrument's total (min and/or max)
    {any_of: [<condition>, ...]}
    {all_of: [<condition>, ...]}

A ``total`` condition holds when the answers settle it: the total is reported and within
the bounds, or, with missing answers, every total the missing answers could still give is
within them. An item's ``show_when`` may use ``item`` conditions on earlier items of its
own section (and ``any_of`` / ``all_of``); a flow's ``when`` may use all of them on
earlier sections (checked by :mod:`forms.loader` and :mod:`forms.flows`).
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
class TotalWithin:
    """An earlier instrument's total is settled within ``minimum``-``maximum`` (inclusive)."""

    instrument: str
    minimum: int | None = None
    maximum: int | None = None

    def holds(self, lowest: int, highest: int) -> bool:
        """Whether every total from ``lowest`` to ``highest`` is within the bounds."""
        return (self.minimum is None or lowest >= self.minimum) and (
            self.maximum is None or highest <= self.maximum
        )


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


Condition = AnswerIn | PositiveIn | TotalWithin | AnyOf | AllOf


@dataclass(frozen=True)
class EarlierResults:
    """What a flow condition may ask about the instruments answered so far."""

    positive: Callable[[str], bool | None]
    """An instrument's ``positive`` (True/False/None)."""
    total_bounds: Callable[[str], tuple[int, int]]
    """The lowest and highest total the answers allow (equal once the total is reported)."""


def evaluate(
    condition: Condition,
    answers: Mapping[str, int | None],
    results: EarlierResults | None = None,
) -> bool:
    if isinstance(condition, AnswerIn):
        return condition.item in answers and answers[condition.item] in condition.values
    if isinstance(condition, AnyOf):
        return any(evaluate(c, answers, results) for c in condition.conditions)
    if isinstance(condition, AllOf):
        return all(evaluate(c, answers, results) for c in condition.conditions)
    if results is None:
        raise ValueError(f"condition on {condition.instrument!r} needs instrument results")
    if isinstance(condition, PositiveIn):
        return results.positive(condition.instrument) in condition.values
    return condition.holds(*results.total_bounds(condition.instrument))


def referenced_items(condition: Condition) -> Iterator[str]:
    if isinstance(condition, AnswerIn):
        yield condition.item
    elif isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from referenced_items(inner)


def referenced_instruments(condition: Condition) -> Iterator[str]:
    if isinstance(condition, PositiveIn | TotalWithin):
        yield condition.instrument
    elif isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from referenced_instruments(inner)


def total_conditions(condition: Condition) -> Iterator[TotalWithin]:
    if isinstance(condition, TotalWithin):
        yield condition
    elif isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from total_conditions(inner)


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
    if isinstance(condition, TotalWithin):
        bounds = [
            *([f">= {condition.minimum}"] if condition.minimum is not None else []),
            *([f"<= {condition.maximum}"] if condition.maximum is not None else []),
        ]
        return f"{condition.instrument} total {' and '.join(bounds)}"
    joiner = " or " if isinstance(condition, AnyOf) else " and "
    return "(" + joiner.join(describe(c) for c in condition.conditions) + ")"
