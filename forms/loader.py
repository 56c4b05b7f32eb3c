"""Load and validate section definitions (YAML) into :mod:`forms.model` objects.

The section-level schema (ids, items, options, show-when, steps) is checked here and
the ``scoring`` block in :mod:`forms.scoring_schema`; both raise
:class:`forms.fields.DefinitionError` naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import cast

from forms.conditions import (
    AllOf,
    AnswerIn,
    AnyOf,
    Condition,
    PositiveIn,
    TotalWithin,
    referenced_instruments,
    referenced_items,
)
from forms.fields import LOINC, DefinitionError, Fields, read_yaml
from forms.model import Critical, Definition, Item, Option, StepSpec, Text
from forms.scoring_schema import parse_scoring
from forms.translation import load_translation

DEFINITIONS_DIR = Path(__file__).parent / "definitions"


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
    top = Fields(
        file,
        "",
        data,
        (
            "id", "kind", "version", "changes", "title", "instructions", "time_frame",
            "why", "content_note", "source", "form_version", "licence", "loinc", "notes",
            "option_sets", "items", "steps", "scoring",
        ),
    )  # fmt: skip
    section_id = top.get_name("id")
    assert section_id is not None
    if section_id != file.stem:
        top.fail("id", f"{section_id!r} does not match the file name {file.stem!r}")
    kind = top.get_str("kind")
    if kind not in ("instrument", "clinic"):
        top.fail("kind", f"{kind!r} is not one of: instrument, clinic")
    version = top.get_version()
    changes = top.get_changes(version)
    loinc_panel, loinc_total = _loinc(top)
    notes = [str(note) for note in top.get_list("notes", required=False)]
    option_sets = _option_sets(top)
    items = _items(top, section_id, kind == "instrument", option_sets)
    items_by_id = {item.id: item for item in items}
    steps = _steps(top, section_id, items_by_id)
    scoring = parse_scoring(top, kind == "instrument", items_by_id)
    return Definition(
        id=section_id,
        kind="instrument" if kind == "instrument" else "clinic",
        version=version,
        changes=changes,
        title=cast(Text, top.get_text("title")),
        instructions=cast(Text, top.get_text("instructions")),
        why=cast(Text, top.get_text("why")),
        source=top.req_str("source").strip(),
        form_version=top.get_text("form_version", required=False),
        licence=top.req_str("licence").strip(),
        items=items,
        steps=steps,
        file=file,
        time_frame=top.get_str("time_frame", required=False),
        content_note=top.get_text("content_note", required=False),
        loinc_panel=loinc_panel,
        loinc_total=loinc_total,
        notes=tuple(notes),
        scoring=scoring,
        items_by_id=items_by_id,
    )


def _loinc(top: Fields) -> tuple[str | None, str | None]:
    if not top.has("loinc"):
        return None, None
    loinc = Fields(top.file, "loinc", top.raw("loinc"), ("panel", "total"))
    codes = (loinc.get_str("panel", required=False), loinc.get_str("total", required=False))
    for key, code in zip(("panel", "total"), codes, strict=True):
        if code is not None and not LOINC.match(code):
            loinc.fail(key, f"{code!r} is not a LOINC code")
    return codes


def _options(file: Path, where: str, raw: object) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(file, where, "must be a non-empty list of {code, label}")
    options: list[Option] = []
    for index, entry in enumerate(raw):
        option = Fields(file, f"{where}[{index}]", entry, ("code", "label"))
        code = option.req_int("code")
        if any(existing.code == code for existing in options):
            option.fail("code", f"code {code} is used twice")
        options.append(Option(code, option.req_str("label").strip()))
    return tuple(options)


def _option_sets(top: Fields) -> dict[str, tuple[Option, ...]]:
    raw = top.raw("option_sets", required=False)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        top.fail("option_sets", "must be a mapping of name to options")
    return {
        str(name): _options(top.file, f"option_sets.{name}", opts) for name, opts in raw.items()
    }


def _items(
    top: Fields,
    section_id: str,
    is_instrument: bool,
    option_sets: Mapping[str, tuple[Option, ...]],
) -> tuple[Item, ...]:
    raw_items = top.get_list("items")
    if not raw_items:
        top.fail("items", "must not be empty")
    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        where = f"items[{index}]"
        entry = Fields(
            top.file,
            where,
            raw,
            ("id", "text", "options", "scored", "show_when", "ages", "critical", "loinc"),
        )
        item_id = entry.req_str("id")
        if not item_id.startswith(section_id + ".") or not re.match(
            r"^[a-z0-9_]+$", item_id[len(section_id) + 1 :]
        ):
            entry.fail("id", f"{item_id!r} must be '{section_id}.<item>'")
        if item_id in seen:
            entry.fail("id", f"duplicate item id {item_id!r}")
        seen.add(item_id)
        raw_options = entry.raw("options")
        option_set = None
        if isinstance(raw_options, str):
            if raw_options not in option_sets:
                entry.fail("options", f"unknown option set {raw_options!r}")
            options = option_sets[raw_options]
            option_set = raw_options
        else:
            options = _options(top.file, f"{where}.options", raw_options)
        scored = entry.get_bool("scored", is_instrument)
        if scored and not is_instrument:
            entry.fail("scored", "clinic questions are not scored")
        show_when = None
        if entry.has("show_when"):
            show_when = parse_condition(top.file, f"{where}.show_when", entry.raw("show_when"))
            for ref in referenced_items(show_when):
                if ref not in seen or ref == item_id:
                    entry.fail("show_when", f"refers to {ref!r}, which is not an earlier item")
            if next(referenced_instruments(show_when), None) is not None:
                entry.fail("show_when", "an item's condition may only look at earlier items")
        min_age, max_age = _item_ages(entry, is_instrument)
        critical = None
        if entry.has("critical"):
            crit = Fields(
                top.file, f"{where}.critical", entry.raw("critical"), ("at_least", "flag")
            )
            at_least = crit.req_int("at_least")
            if not min(o.code for o in options) < at_least <= max(o.code for o in options):
                crit.fail("at_least", f"{at_least} is outside the item's codes")
            critical = Critical(at_least, cast(str, crit.get_name("flag")))
        loinc = entry.get_str("loinc", required=False)
        if loinc is not None and not LOINC.match(loinc):
            entry.fail("loinc", f"{loinc!r} is not a LOINC code")
        items.append(
            Item(
                id=item_id,
                text=cast(Text, entry.get_text("text")),
                options=options,
                scored=scored,
                show_when=show_when,
                min_age=min_age,
                max_age=max_age,
                critical=critical,
                loinc=loinc,
                option_set=option_set,
            )
        )
    return tuple(items)


def _item_ages(entry: Fields, is_instrument: bool) -> tuple[int | None, int | None]:
    """An item's ``ages: {min, max}`` (subject ages it is asked at, inclusive)."""
    if not entry.has("ages"):
        return None, None
    if is_instrument:
        entry.fail("ages", "an instrument's items are asked as published; set ages in the flow")
    ages = Fields(entry.file, entry.path("ages"), entry.raw("ages"), ("min", "max"))
    min_age, max_age = ages.get_int("min", required=False), ages.get_int("max", required=False)
    if min_age is None and max_age is None:
        ages.fail("", "give min and/or max")
    if min_age is not None and max_age is not None and min_age > max_age:
        ages.fail("min", f"{min_age} is above max {max_age}")
    return min_age, max_age


def parse_condition(file: Path, where: str, raw: object) -> Condition:
    if not isinstance(raw, dict):
        raise DefinitionError(file, where, "a condition must be a mapping")
    if "any_of" in raw or "all_of" in raw:
        key = "any_of" if "any_of" in raw else "all_of"
        group = Fields(file, where, raw, (key,))
        inner = group.get_list(key)
        if not inner:
            group.fail(key, "must not be empty")
        conditions = tuple(
            parse_condition(file, f"{where}.{key}[{i}]", c) for i, c in enumerate(inner)
        )
        return AnyOf(conditions) if key == "any_of" else AllOf(conditions)
    if "total" in raw:
        cond = Fields(file, where, raw, ("total", "min", "max"))
        minimum = cond.get_int("min", required=False)
        maximum = cond.get_int("max", required=False)
        if minimum is None and maximum is None:
            cond.fail("total", "give min and/or max")
        if minimum is not None and maximum is not None and minimum > maximum:
            cond.fail("min", f"{minimum} is above max {maximum}")
        return TotalWithin(cond.req_str("total"), minimum, maximum)
    if "positive" in raw:
        cond = Fields(file, where, raw, ("positive", "in"))
        values = cond.get_list("in")
        if not values or any(v not in (True, False, None) for v in values):
            cond.fail("in", "must list true, false and/or null")
        return PositiveIn(cond.req_str("positive"), frozenset(cast(list[bool | None], values)))
    cond = Fields(file, where, raw, ("item", "in"))
    values = cond.get_list("in")
    if not values or any(isinstance(v, bool) or not isinstance(v, int | None) for v in values):
        cond.fail("in", "must list answer codes and/or null (prefer not to answer)")
    return AnswerIn(cond.req_str("item"), frozenset(cast(list[int | None], values)))


def _steps(top: Fields, section_id: str, items: Mapping[str, Item]) -> tuple[StepSpec, ...]:
    raw_steps = top.get_list("steps", required=False)
    if not raw_steps:
        return (StepSpec(section_id, tuple(items)),)
    steps: list[StepSpec] = []
    placed: dict[str, int] = {}
    for index, raw in enumerate(raw_steps):
        step = Fields(top.file, f"steps[{index}]", raw, ("id", "title", "instructions", "items"))
        step_id = f"{section_id}-{step.get_name('id')}"
        if any(existing.id == step_id for existing in steps):
            step.fail("id", f"duplicate step id {step_id!r}")
        step_items = [str(i) for i in step.get_list("items")]
        if not step_items:
            step.fail("items", "must not be empty")
        for item_id in step_items:
            if item_id not in items:
                step.fail("items", f"unknown item {item_id!r}")
            if item_id in placed:
                step.fail("items", f"{item_id!r} is already in another step")
            placed[item_id] = index
        steps.append(
            StepSpec(
                step_id,
                tuple(step_items),
                step.get_text("title", required=False),
                step.get_text("instructions", required=False),
            )
        )
    if missing := [item_id for item_id in items if item_id not in placed]:
        top.fail("steps", f"items not in any step: {', '.join(missing)}")
    order = list(items)
    if [i for s in steps for i in s.items] != order:
        top.fail("steps", "steps must list the items in their defined order")
    for item_id, item in items.items():
        if item.show_when is None:
            continue
        for ref in referenced_items(item.show_when):
            if placed[ref] >= placed[item_id]:
                top.fail(
                    "steps",
                    f"{item_id} depends on {ref}, which must be in an earlier step",
                )
    return tuple(steps)
