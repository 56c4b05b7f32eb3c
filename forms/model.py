"""The in-memory shape of a section definition (an instrument or a clinic-question section).

Everything here is immutable and built only by :mod:`forms.loader`, which validates the
YAML files in ``forms/definitions/``. Scoring, flows, the WTForms builder and the data
dictionary all read these objects; none of them reads YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from forms.conditions import Condition

PATHS: tuple[str, ...] = ("adult_self", "teen_self", "caregiver_child")
"""Respondent paths; also the keys allowed for per-path wording variants."""

SOURCE_LANGUAGE = "en"
"""The language of the definitions themselves; other languages are translation files."""

Kind = Literal["instrument", "clinic"]
MissingRule = Literal["all_required", "blanks_as_zero"]
Method = Literal["sum", "itq", "asq"]


@dataclass(frozen=True)
class Text:
    """Wording with optional per-path variants (e.g. "your child" on the caregiver path)."""

    default: str
    variants: Mapping[str, str] = field(default_factory=dict)

    def for_path(self, path: str | None) -> str:
        if path is not None and path in self.variants:
            return self.variants[path]
        return self.default


@dataclass(frozen=True)
class Option:
    code: int
    label: str


@dataclass(frozen=True)
class Critical:
    """An item whose answer at or above ``at_least`` raises ``flag`` whatever else is missing."""

    at_least: int
    flag: str


@dataclass(frozen=True)
class Item:
    id: str
    text: Text
    options: tuple[Option, ...]
    scored: bool
    show_when: Condition | None = None
    min_age: int | None = None  # asked only at subject ages min_age-max_age (clinic items)
    max_age: int | None = None
    critical: Critical | None = None
    loinc: str | None = None
    option_set: str | None = None  # the named option set the options come from

    def asked_at(self, subject_age: int) -> bool:
        return (self.min_age is None or subject_age >= self.min_age) and (
            self.max_age is None or subject_age <= self.max_age
        )

    @cached_property
    def codes(self) -> frozenset[int]:
        return frozenset(option.code for option in self.options)

    @cached_property
    def max_code(self) -> int:
        return max(option.code for option in self.options)

    @cached_property
    def min_code(self) -> int:
        return min(option.code for option in self.options)


@dataclass(frozen=True)
class StepSpec:
    """A screenful of one section: ``id`` is the full step id (``phq9`` or ``itq-dso``)."""

    id: str
    items: tuple[str, ...]
    title: Text | None = None
    instructions: Text | None = None


@dataclass(frozen=True)
class Band:
    id: str
    min: int
    max: int


@dataclass(frozen=True)
class CutOffOverride:
    """A context-dependent cut-off, e.g. PHQ-9 at 11 when ``subject_age`` is 12-17."""

    value: int
    subject_age_min: int | None = None
    subject_age_max: int | None = None
    sex: frozenset[str] | None = None

    def applies(self, subject_age: int | None, sex: str | None) -> bool:
        if self.subject_age_min is not None or self.subject_age_max is not None:
            if subject_age is None:
                return False
            if self.subject_age_min is not None and subject_age < self.subject_age_min:
                return False
            if self.subject_age_max is not None and subject_age > self.subject_age_max:
                return False
        return self.sex is None or sex in self.sex


@dataclass(frozen=True)
class CutOff:
    """Positive at total >= value; a clinic may configure it within ``configurable``."""

    default: int
    overrides: tuple[CutOffOverride, ...] = ()
    configurable: tuple[int, int] | None = None


@dataclass(frozen=True)
class Subscale:
    id: str
    items: tuple[str, ...]
    title: str | None = None
    cut_off: int | None = None
    flag: str | None = None


@dataclass(frozen=True)
class TotalFlag:
    flag: str
    at_least: int


@dataclass(frozen=True)
class Gate:
    """A gate item: when its answer is in ``closed``, the total is ``total_when_closed``."""

    item: str
    closed: frozenset[int]
    total_when_closed: int


@dataclass(frozen=True)
class Requirement:
    items: tuple[str, ...]
    at_least: int


@dataclass(frozen=True)
class CriteriaFlag:
    """A flag raised when, counting items answered >= endorsed_at, every requirement is met."""

    flag: str
    endorsed_at: int
    requires: tuple[Requirement, ...]


@dataclass(frozen=True, eq=False)
class Scoring:
    method: Method
    missing: MissingRule = "all_required"
    max_blanks: int = 0
    bands: tuple[Band, ...] = ()
    cut_off: CutOff | None = None
    subscales: tuple[Subscale, ...] = ()
    flags: tuple[TotalFlag, ...] = ()
    gate: Gate | None = None
    criteria: tuple[CriteriaFlag, ...] = ()
    endorsed_at: int | None = None
    groups: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    total_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class StepWording:
    title: Text | None = None
    instructions: Text | None = None


@dataclass(frozen=True)
class Wording:
    """A complete translation of a section's questions and answer choices.

    For an instrument it is a published translation, cited in ``source``; wording is
    never translated piecemeal, so a section shows either all of it or none of it.
    """

    source: str | None
    instructions: Text
    items: Mapping[str, Text]
    options: Mapping[str, Mapping[int, str]]  # item id -> code -> label
    steps: Mapping[str, StepWording] = field(default_factory=dict)


@dataclass(frozen=True)
class Translation:
    """A section in another language: the clinic's framing (why we ask, the content
    note) and, where one exists, the wording of the questions themselves."""

    language: str
    title: Text
    why: Text
    content_note: Text | None
    wording: Wording | None
    file: Path


@dataclass(frozen=True, eq=False)
class Definition:
    """One section: a validated instrument (``kind: instrument``) or clinic questions."""

    id: str
    kind: Kind
    version: str
    title: Text
    """The plain heading clients see ("How you have been feeling lately")."""
    instructions: Text
    why: Text
    source: str
    licence: str
    items: tuple[Item, ...]
    steps: tuple[StepSpec, ...]
    file: Path
    name: str = ""
    """The instrument's published name and abbreviation, for staff and the data dictionary
    (a clinic section's name is its title)."""
    time_frame: str | None = None
    content_note: Text | None = None
    loinc_panel: str | None = None
    loinc_total: str | None = None
    notes: tuple[str, ...] = ()
    form_version: Text | None = None
    """The published form (and version) the wording follows, where there are several."""
    changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """What changed, by version: ``{"2.0": ("rel.5 added ...",)}``."""
    scoring: Scoring | None = None
    items_by_id: Mapping[str, Item] = field(default_factory=dict)
    translations: Mapping[str, Translation] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.id + "."

    @property
    def is_instrument(self) -> bool:
        return self.kind == "instrument"

    @cached_property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)
