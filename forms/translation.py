"""Load and check a section's translation: ``definitions/<language>/<section>.yaml``.

A translation always gives the clinic's framing of the section (its plain ``title``,
``why``, and the ``content_note`` when the section has one). Its ``wording`` block --
the questions and answer choices -- is optional, and when present it must be complete:
every item, every answer label, every step heading and every per-path variant the
English has. An
instrument's wording must cite the published translation it reproduces (``source``);
where none exists the block is left out and the questions are shown in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from forms.fields import DefinitionError, Fields, read_yaml
from forms.model import (
    SOURCE_LANGUAGE,
    Definition,
    Item,
    StepWording,
    Text,
    Translation,
    Wording,
)

LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def load_translation(file: Path, definitions: Mapping[str, Definition]) -> Translation:
    language = file.parent.name
    if not LANGUAGE.match(language) or language == SOURCE_LANGUAGE:
        raise DefinitionError(file, "<folder>", f"{language!r} is not a translation language")
    base = definitions.get(file.stem)
    if base is None:
        raise DefinitionError(file, "<file>", f"no section {file.stem!r} to translate")
    top = Fields(file, "", read_yaml(file), ("title", "why", "content_note", "wording"))
    content_note = None
    if base.content_note is not None:
        content_note = _matching(top, "content_note", base.content_note)
    elif top.has("content_note"):
        top.fail("content_note", "the English section has no content note")
    wording = None
    if top.has("wording"):
        wording = _wording(Fields(file, "wording", top.raw("wording"), _WORDING_KEYS), base)
    return Translation(
        language=language,
        title=_matching(top, "title", base.title),
        why=_matching(top, "why", base.why),
        content_note=content_note,
        wording=wording,
        file=file,
    )


_WORDING_KEYS = ("source", "instructions", "option_sets", "items", "steps")


def _matching(fields: Fields, key: str, english: Text) -> Text:
    """A translated text with exactly the per-path variants the English text has."""
    text = cast(Text, fields.get_text(key))
    if set(text.variants) != set(english.variants):
        expected = ", ".join(sorted(english.variants)) or "none"
        fields.fail(key, f"per-path variants must match the English ones ({expected})")
    return text


def _wording(wording: Fields, base: Definition) -> Wording:
    source = wording.get_str("source", required=base.is_instrument)
    labels = _option_set_labels(wording, base)
    items = Fields(
        wording.file, wording.path("items"), wording.raw("items"), tuple(base.items_by_id)
    )
    texts: dict[str, Text] = {}
    options: dict[str, Mapping[int, str]] = {}
    for item in base.items:
        raw = items.raw(item.id)
        if isinstance(raw, dict) and "text" in raw:
            entry = Fields(items.file, items.path(item.id), raw, ("text", "options"))
            texts[item.id] = _matching(entry, "text", item.text)
            if item.option_set is not None:
                entry.fail("options", f"the item uses the option set {item.option_set!r}")
            options[item.id] = _labels(entry, "options", item)
        else:
            texts[item.id] = _matching(items, item.id, item.text)
            if item.option_set is None:
                items.fail(item.id, "give {text, options}: the item has its own answer choices")
            options[item.id] = labels[item.option_set]
    return Wording(
        source=None if source is None else source.strip(),
        instructions=_matching(wording, "instructions", base.instructions),
        items=texts,
        options=options,
        steps=_steps(wording, base),
    )


def _option_set_labels(wording: Fields, base: Definition) -> dict[str, Mapping[int, str]]:
    used = {item.option_set: item for item in base.items if item.option_set is not None}
    raw = wording.raw("option_sets", required=bool(used))
    if raw is None:
        return {}
    sets = Fields(wording.file, wording.path("option_sets"), raw, tuple(used))
    return {name: _labels(sets, name, item) for name, item in used.items()}


def _labels(fields: Fields, key: str, item: Item) -> Mapping[int, str]:
    raw = fields.raw(key)
    if not isinstance(raw, dict) or set(raw) != set(item.codes):
        codes = ", ".join(str(code) for code in sorted(item.codes))
        fields.fail(key, f"must map each answer code ({codes}) to its label")
    labels: dict[int, str] = {}
    for code, label in raw.items():
        if not isinstance(label, str) or not label.strip():
            fields.fail(f"{key}.{code}", "must be a non-empty string")
        labels[code] = label.strip()
    return labels


def _steps(wording: Fields, base: Definition) -> Mapping[str, StepWording]:
    headed = {
        spec.id.removeprefix(base.id + "-"): spec
        for spec in base.steps
        if spec.title is not None or spec.instructions is not None
    }
    raw = wording.raw("steps", required=bool(headed))
    if raw is None:
        return {}
    steps = Fields(wording.file, wording.path("steps"), raw, tuple(headed))
    result: dict[str, StepWording] = {}
    for name, spec in headed.items():
        step = Fields(steps.file, steps.path(name), steps.raw(name), ("title", "instructions"))
        result[spec.id] = StepWording(
            title=None if spec.title is None else _matching(step, "title", spec.title),
            instructions=(
                None
                if spec.instructions is None
                else _matching(step, "instructions", spec.instructions)
            ),
        )
    return result
