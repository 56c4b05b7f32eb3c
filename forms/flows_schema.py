"""The flows file (``flows.yaml``) as pydantic models.

A path lists its sections in the order asked; an entry is a section id or a mapping
``{section, ages, when}``. Beyond each field's type, a path's entries must name known
sections, each once, and a ``when`` condition may only look at questions and totals of
sections listed before it (a step's questions are settled before it is shown). Errors
name the place in the file (``paths.teen_self.sections[7].section``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import AfterValidator, BeforeValidator, model_validator

from forms.condition_schema import ConditionValue
from forms.conditions import (
    Condition,
    TotalWithin,
    referenced_instruments,
    referenced_items,
    total_conditions,
)
from forms.model import PATHS
from forms.registry import DEFINITIONS, ITEMS, section_of
from forms.schema import (
    Changes,
    Entry,
    Integer,
    List,
    Location,
    Required,
    Str,
    Version,
    problem,
    refuse_at,
)

MAX_AGE = 125
RESPONDENTS = ("self", "caregiver")


class AgesEntry(Entry):
    """An inclusive age range; a bound left out is open."""

    min: Integer | None = None
    max: Integer | None = None

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        for bound in ("min", "max"):
            value = getattr(self, bound)
            if value is not None and not 0 <= value <= MAX_AGE:
                refuse_at((bound,), f"must be between 0 and {MAX_AGE}", value)
        if self.min is not None and self.max is not None and self.min > self.max:
            refuse_at(("min",), f"{self.min} is above max {self.max}", self.min)
        return self


class SectionEntry(Entry):
    """One section of a path, asked when the subject's age fits and ``when`` holds."""

    section: Str
    ages: AgesEntry | None = None
    when: ConditionValue | None = None


def _section_entry(value: object) -> object:
    """A bare section id is short for ``{section: id}``."""
    return {"section": value} if isinstance(value, str) else value


SectionValue = Annotated[SectionEntry, BeforeValidator(_section_entry), Required]


def _not_empty(entries: tuple[SectionEntry, ...]) -> tuple[SectionEntry, ...]:
    if not entries:
        raise problem("must not be empty")
    return entries


def _respondent(value: str) -> str:
    if value not in RESPONDENTS:
        raise problem(f"must be one of {', '.join(RESPONDENTS)}")
    return value


class PathEntry(Entry):
    """One intake path: who answers, the ages it serves, its sections in order."""

    respondent: Annotated[Str, AfterValidator(_respondent)]
    ages: AgesEntry | None = None
    sections: Annotated[tuple[SectionValue, ...], List, AfterValidator(_not_empty)]

    @model_validator(mode="after")
    def _sections_in_order(self) -> Self:
        earlier: set[str] = set()
        for index, entry in enumerate(self.sections):
            place: Location = ("sections", index)
            if entry.section not in DEFINITIONS:
                refuse_at((*place, "section"), f"unknown section {entry.section!r}", entry.section)
            if entry.section in earlier:
                refuse_at((*place, "section"), f"{entry.section!r} is listed twice", entry.section)
            if entry.when is not None:
                _check_when(entry.when, earlier, (*place, "when"))
            earlier.add(entry.section)
        return self


def _check_when(when: Condition, earlier: set[str], place: Location) -> None:
    for ref in [*referenced_items(when), *referenced_instruments(when)]:
        if section_of(ref) not in earlier:
            refuse_at(place, f"{ref!r} is not from an earlier section of this path", ref)
    for ref in referenced_items(when):
        if ref not in ITEMS:
            refuse_at(place, f"unknown question {ref!r}", ref)
    for condition in total_conditions(when):
        _check_total(condition, place)


def _check_total(condition: TotalWithin, place: Location) -> None:
    scoring = DEFINITIONS[condition.instrument].scoring
    if scoring is None or scoring.total_range is None:
        refuse_at(place, f"{condition.instrument!r} has no total", condition.instrument)
    low, high = scoring.total_range
    for bound in (condition.minimum, condition.maximum):
        if bound is not None and not low <= bound <= high:
            message = f"{bound} is outside {condition.instrument}'s total range {low}-{high}"
            refuse_at(place, message, bound)


def _the_paths(paths: Mapping[str, PathEntry]) -> Mapping[str, PathEntry]:
    if set(paths) != set(PATHS):
        raise problem(f"must define exactly {', '.join(PATHS)}")
    return paths


PathValue = Annotated[PathEntry, Required]


class FlowsEntry(Entry):
    """The whole flows file."""

    version: Version
    changes: Changes | None = None
    paths: Annotated[Mapping[str, PathValue], Required, AfterValidator(_the_paths)]
