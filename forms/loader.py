"""Load and validate section definitions (YAML) into :mod:`forms.model` objects.

A definition file is read into ``DefinitionFile`` (the section: ids, items, options,
show-when, steps) with its ``scoring`` block in :mod:`forms.scoring_schema`. Each field
is checked on its own first; then ``DefinitionFile`` checks that the parts fit together
(item ids in the section, option sets known, conditions on earlier items, steps placing
every item once in order, scoring on scored items). Every problem raises
:class:`forms.fields.DefinitionError` naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Self, TypeVar, cast, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from forms.condition_schema import ConditionValue
from forms.conditions import referenced_instruments, referenced_items
from forms.fields import read_yaml
from forms.model import Critical, Definition, Item, Kind, Option, StepSpec
from forms.schema import (
    ITEM_NAME,
    Changes,
    Entry,
    Flag,
    Integer,
    List,
    Location,
    LoincCode,
    Name,
    OptionalList,
    Str,
    StrippedStr,
    Texts,
    TextValue,
    Version,
    definition_error,
    non_empty_string,
    problem,
    refuse_at,
)
from forms.scoring_schema import ScoringEntry, check_scoring
from forms.translation import load_translation

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
T = TypeVar("T")
Problem = tuple[Location, str]
"""A place (in the file, or in the item or step checked) and the rule broken there."""


def load_definition(file: Path) -> Definition:
    """Load one YAML definition file; raise :class:`DefinitionError` if it is broken."""
    return parse_definition(file, read_yaml(file))


def load_definitions(directory: Path = DEFINITIONS_DIR) -> dict[str, Definition]:
    """Every definition in ``directory``, with the translations in its language folders."""
    definitions: dict[str, Definition] = {}
    for file in sorted(directory.glob("*.yaml")):
        definition = load_definition(file)
        definitions[definition.id] = definition
    for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
        for file in sorted(folder.glob("*.yaml")):
            translation = load_translation(file, definitions)
            base = definitions[file.stem]
            definitions[base.id] = replace(
                base, translations={**base.translations, translation.language: translation}
            )
    return definitions


def parse_definition(file: Path, data: object) -> Definition:
    try:
        entry = DefinitionFile.model_validate(data, context={"file": file})
    except ValidationError as error:
        raise definition_error(file, error) from None
    return entry.to_definition(file)


def _not_empty(value: tuple[T, ...]) -> tuple[T, ...]:
    if not value:
        raise problem("must not be empty")
    return value


class OptionEntry(Entry):
    code: Integer
    label: StrippedStr

    def to_option(self) -> Option:
        return Option(self.code, self.label)


def _options_list(value: object) -> object:
    if not isinstance(value, list) or not value:
        raise problem("must be a non-empty list of {code, label}")
    return value


def _codes_differ(options: tuple[OptionEntry, ...]) -> tuple[OptionEntry, ...]:
    for index, option in enumerate(options):
        if any(earlier.code == option.code for earlier in options[:index]):
            refuse_at((index, "code"), f"code {option.code} is used twice", option.code)
    return options


Options = Annotated[
    tuple[OptionEntry, ...], BeforeValidator(_options_list), AfterValidator(_codes_differ)
]
_OPTIONS: TypeAdapter[tuple[OptionEntry, ...]] = TypeAdapter(Options)


def _item_options(value: object) -> str | tuple[OptionEntry, ...]:
    """An option set's name, or the item's own options."""
    if value is None:
        raise problem("is required")
    return value if isinstance(value, str) else _OPTIONS.validate_python(value)


def _option_set_mapping(value: object) -> object:
    if not isinstance(value, dict):
        raise problem("must be a mapping of name to options")
    return {str(name): options for name, options in value.items()}


@dataclass(frozen=True)
class _Section:
    """What each item is checked against: the section read so far."""

    id: str
    is_instrument: bool
    option_sets: Mapping[str, tuple[Option, ...]]


class AgesEntry(Entry):
    """The subject ages a clinic question is asked at, inclusive."""

    min: Integer | None = None
    max: Integer | None = None

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        if self.min is None and self.max is None:
            raise problem("give min and/or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            refuse_at(("min",), f"{self.min} is above max {self.max}", self.min)
        return self


class CriticalEntry(Entry):
    at_least: Integer
    flag: Name


class ItemEntry(Entry):
    id: Str
    text: TextValue
    options: Annotated[str | tuple[OptionEntry, ...], PlainValidator(_item_options)]
    scored: Flag | None = None
    show_when: ConditionValue | None = None
    ages: AgesEntry | None = None
    critical: CriticalEntry | None = None
    loinc: LoincCode | None = None

    @property
    def option_set(self) -> str | None:
        """The name of the option set the item's options come from, if any."""
        return self.options if isinstance(self.options, str) else None

    def to_item(self, section: _Section) -> Item:
        if isinstance(self.options, str):
            options = section.option_sets[self.options]
        else:
            options = tuple(option.to_option() for option in self.options)
        critical = self.critical
        return Item(
            id=self.id,
            text=self.text,
            options=options,
            scored=section.is_instrument if self.scored is None else self.scored,
            show_when=self.show_when,
            min_age=None if self.ages is None else self.ages.min,
            max_age=None if self.ages is None else self.ages.max,
            critical=None if critical is None else Critical(critical.at_least, critical.flag),
            loinc=self.loinc,
            option_set=self.option_set,
        )


class StepEntry(Entry):
    id: Name
    title: TextValue | None = None
    instructions: TextValue | None = None
    items: Annotated[Texts, AfterValidator(_not_empty)]


class LoincEntry(Entry):
    panel: LoincCode | None = None
    total: LoincCode | None = None


def _kind(value: object) -> Kind:
    kind = non_empty_string(value)
    if kind not in get_args(Kind):
        raise problem(f"{kind!r} is not one of: instrument, clinic")
    return cast(Kind, kind)


def _named_after_the_file(section_id: str, info: ValidationInfo) -> str:
    file: Path = (info.context or {})["file"]
    if section_id != file.stem:
        raise problem(f"{section_id!r} does not match the file name {file.stem!r}")
    return section_id


class DefinitionFile(Entry):
    """A whole definition file as written (fields are checked in this order)."""

    id: Annotated[Name, AfterValidator(_named_after_the_file)]
    kind: Annotated[Kind, PlainValidator(_kind)]
    version: Version
    changes: Changes | None = None
    name: StrippedStr | None = None
    title: TextValue
    instructions: TextValue
    time_frame: Str | None = None
    why: TextValue
    content_note: TextValue | None = None
    source: StrippedStr
    form_version: TextValue | None = None
    licence: StrippedStr
    loinc: LoincEntry | None = None
    notes: Texts | None = None
    option_sets: Annotated[dict[str, Options], BeforeValidator(_option_set_mapping)] | None = None
    items: Annotated[tuple[ItemEntry, ...], List, AfterValidator(_not_empty)]
    steps: Annotated[tuple[StepEntry, ...], OptionalList] = ()
    scoring: ScoringEntry | None = None

    @model_validator(mode="after")
    def _parts_fit_together(self) -> Self:
        section = self._section()
        earlier: list[str] = []
        for index, entry in enumerate(self.items):
            found = _item_problem(entry, section, earlier)
            if found is not None:
                refuse_at(("items", index, *found[0]), found[1], entry.id)
            earlier.append(entry.id)
        items = self._items_by_id()
        found = _steps_problem(section.id, self.steps, items) or _scoring_presence(self)
        if found is not None:
            refuse_at(*found, None)
        if self.scoring is not None:
            check_scoring(self.scoring, items)
        return self

    def _section(self) -> _Section:
        sets = {
            name: tuple(option.to_option() for option in options)
            for name, options in (self.option_sets or {}).items()
        }
        return _Section(self.id, self.kind == "instrument", sets)

    def _items_by_id(self) -> dict[str, Item]:
        section = self._section()
        return {entry.id: entry.to_item(section) for entry in self.items}

    def to_definition(self, file: Path) -> Definition:
        items = self._items_by_id()
        loinc = self.loinc or LoincEntry()
        return Definition(
            id=self.id,
            kind=self.kind,
            version=self.version,
            changes=self.changes or {},
            title=self.title,
            name=self.name or self.title.default,
            instructions=self.instructions,
            why=self.why,
            source=self.source,
            form_version=self.form_version,
            licence=self.licence,
            items=tuple(items.values()),
            steps=_to_steps(self.id, self.steps, items),
            file=file,
            time_frame=self.time_frame,
            content_note=self.content_note,
            loinc_panel=loinc.panel,
            loinc_total=loinc.total,
            notes=self.notes or (),
            scoring=None if self.scoring is None else self.scoring.to_scoring(items),
            items_by_id=items,
        )


def _item_problem(entry: ItemEntry, section: _Section, earlier: Sequence[str]) -> Problem | None:
    """The first rule of the section that an item breaks (its place within the item)."""
    name = entry.id.removeprefix(section.id + ".")
    if not entry.id.startswith(section.id + ".") or not ITEM_NAME.match(name):
        return ("id",), f"{entry.id!r} must be '{section.id}.<item>'"
    if entry.id in earlier:
        return ("id",), f"duplicate item id {entry.id!r}"
    if entry.option_set is not None and entry.option_set not in section.option_sets:
        return ("options",), f"unknown option set {entry.option_set!r}"
    if entry.scored and not section.is_instrument:
        return ("scored",), "clinic questions are not scored"
    return _condition_problem(entry, earlier) or _asked_problem(entry, section)


def _condition_problem(entry: ItemEntry, earlier: Sequence[str]) -> Problem | None:
    if entry.show_when is None:
        return None
    for ref in referenced_items(entry.show_when):
        if ref not in earlier:
            return ("show_when",), f"refers to {ref!r}, which is not an earlier item"
    if next(referenced_instruments(entry.show_when), None) is not None:
        return ("show_when",), "an item's condition may only look at earlier items"
    return None


def _asked_problem(entry: ItemEntry, section: _Section) -> Problem | None:
    """Ages (clinic questions only) and the critical answer (within the item's codes)."""
    if entry.ages is not None and section.is_instrument:
        return ("ages",), "an instrument's items are asked as published; set ages in the flow"
    critical = entry.critical
    if critical is not None:
        codes = entry.to_item(section).codes
        if not min(codes) < critical.at_least <= max(codes):
            message = f"{critical.at_least} is outside the item's codes"
            return ("critical", "at_least"), message
    return None


def _scoring_presence(entry: DefinitionFile) -> Problem | None:
    if entry.kind == "instrument" and entry.name is None:
        return ("name",), "is required: the instrument's published name, for staff"
    if entry.kind == "clinic" and entry.scoring is not None:
        return ("scoring",), "clinic questions have no scoring"
    if entry.kind == "instrument" and entry.scoring is None:
        return ("scoring",), "is required"
    return None


def _steps_problem(
    section_id: str, steps: tuple[StepEntry, ...], items: Mapping[str, Item]
) -> Problem | None:
    """Steps place every item once, in order, after the items their conditions look at."""
    if not steps:
        return None
    placed: dict[str, int] = {}
    for index, step in enumerate(steps):
        found = _step_problem(section_id, steps[:index], step, items, placed)
        if found is not None:
            return ("steps", index, *found[0]), found[1]
        placed.update(dict.fromkeys(step.items, index))
    if missing := [item_id for item_id in items if item_id not in placed]:
        return ("steps",), f"items not in any step: {', '.join(missing)}"
    if [item_id for step in steps for item_id in step.items] != list(items):
        return ("steps",), "steps must list the items in their defined order"
    for item_id, ref in _dependencies(items):
        if placed[ref] >= placed[item_id]:
            return ("steps",), f"{item_id} depends on {ref}, which must be in an earlier step"
    return None


def _step_problem(
    section_id: str,
    earlier: tuple[StepEntry, ...],
    step: StepEntry,
    items: Mapping[str, Item],
    placed: Mapping[str, int],
) -> Problem | None:
    if any(other.id == step.id for other in earlier):
        return ("id",), f"duplicate step id {section_id + '-' + step.id!r}"
    for index, item_id in enumerate(step.items):
        if item_id not in items:
            return ("items",), f"unknown item {item_id!r}"
        if item_id in placed or item_id in step.items[:index]:
            return ("items",), f"{item_id!r} is already in another step"
    return None


def _dependencies(items: Mapping[str, Item]) -> Iterator[tuple[str, str]]:
    """Each item with a show-when condition, and each item the condition looks at."""
    for item_id, item in items.items():
        if item.show_when is not None:
            for ref in referenced_items(item.show_when):
                yield item_id, ref


def _to_steps(
    section_id: str, steps: tuple[StepEntry, ...], items: Mapping[str, Item]
) -> tuple[StepSpec, ...]:
    if not steps:
        return (StepSpec(section_id, tuple(items)),)
    return tuple(
        StepSpec(f"{section_id}-{step.id}", step.items, step.title, step.instructions)
        for step in steps
    )
