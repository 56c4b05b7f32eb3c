"""Translations of sections: complete or refused, and shown in the language asked for."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms import DefinitionError, flow_for, get_definition, section_title
from forms.loader import DEFINITIONS_DIR, load_definitions
from forms.registry import DEFINITIONS

PUBLISHED_SPANISH = {"phq9", "gad7", "asq"}


def test_every_section_has_spanish_framing_and_only_clinic_or_published_wording() -> None:
    for definition in DEFINITIONS.values():
        spanish = definition.translations["es"]
        assert spanish.why.default, definition.id
        assert (spanish.content_note is None) == (definition.content_note is None)
        if definition.is_instrument:
            assert (spanish.wording is not None) == (definition.id in PUBLISHED_SPANISH)
        else:
            assert spanish.wording is not None, definition.id
    for instrument in PUBLISHED_SPANISH:
        wording = get_definition(instrument).translations["es"].wording
        assert wording is not None and wording.source, instrument


def test_published_spanish_wording_of_the_suicide_questions() -> None:
    asq = {
        step.id: step for step in flow_for("teen_self", 15, language="es").steps if "asq" in step.id
    }
    screen = asq["asq-screen"]
    assert screen.language == "es" and screen.note_language == "es"
    assert screen.questions[0].text == "En las últimas semanas, ¿ha deseado estar muerto?"
    assert [o.label for o in screen.questions[0].options] == ["Sí", "No"]
    assert asq["asq-acuity"].questions[0].text == "¿Está pensando en suicidarse en este momento?"


def test_an_untranslated_instrument_keeps_english_wording_with_spanish_framing() -> None:
    ace = next(s for s in flow_for("adult_self", 30, language="es").steps if s.section == "ace")
    english = next(s for s in flow_for("adult_self", 30).steps if s.section == "ace")
    assert (ace.language, ace.note_language) == ("en", "es")
    assert ace.questions == english.questions and ace.title_language == "es"
    assert ace.why != english.why and ace.content_note != english.content_note


def test_translated_answer_labels_keep_the_published_codes() -> None:
    spanish = [
        q
        for s in flow_for("adult_self", 30, language="es").steps
        if s.section == "phq9"
        for q in s.questions
    ]
    english = [
        q for s in flow_for("adult_self", 30).steps if s.section == "phq9" for q in s.questions
    ]
    for es, en in zip(spanish, english, strict=True):
        assert es.id == en.id
        assert [o.code for o in es.options] == [o.code for o in en.options]
    assert spanish[9].options[0].label == "No ha sido difícil"


def test_per_path_variants_are_translated() -> None:
    caregiver = flow_for("caregiver_child", 8, language="es").steps[0]
    adult = flow_for("adult_self", 30, language="es").steps[0]
    assert caregiver.id == adult.id == "safety"
    assert "su hijo o hija" in caregiver.questions[0].text.lower()
    assert "su hijo o hija" not in adult.questions[0].text.lower()


def test_section_title_says_which_language_it_is_in() -> None:
    assert section_title("gad7", "adult_self", "es").language == "es"
    # The plain title is the clinic's own words: Spanish even where the questions are not.
    assert section_title("ace", "adult_self", "es") == (
        get_definition("ace").translations["es"].title.default,
        "es",
    )
    assert section_title("ace", "adult_self") == (get_definition("ace").title.default, "en")
    assert section_title("gad7", "adult_self", "fr").language == "en"


def _gad7_es() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEFINITIONS_DIR / "es" / "gad7.yaml").read_text())
    return data


def _item_missing(d: dict[str, Any]) -> None:
    del d["wording"]["items"]["gad7.7"]


def _label_missing(d: dict[str, Any]) -> None:
    del d["wording"]["option_sets"]["frequency"][3]


def _no_source(d: dict[str, Any]) -> None:
    del d["wording"]["source"]


def _unknown_item(d: dict[str, Any]) -> None:
    d["wording"]["items"]["gad7.8"] = "Otra pregunta"


def _variant_not_in_english(d: dict[str, Any]) -> None:
    d["why"] = {"default": "Por qué", "caregiver_child": "Por qué, de su hijo o hija"}


def _note_not_in_english(d: dict[str, Any]) -> None:
    d["content_note"] = "Una nota"


BROKEN: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (_item_missing, "wording.items.gad7.7", "is required"),
    (_label_missing, "wording.option_sets.frequency", "must map each answer code (0, 1, 2, 3)"),
    (_no_source, "wording.source", "is required"),
    (_unknown_item, "wording.items.gad7.8", "unknown field"),
    (_variant_not_in_english, "why", "per-path variants must match the English ones (none)"),
    (_note_not_in_english, "content_note", "the English section has no content note"),
]


@pytest.fixture
def definitions_copy(tmp_path: Path) -> Path:
    shutil.copytree(DEFINITIONS_DIR, tmp_path / "definitions")
    return tmp_path / "definitions"


@pytest.mark.parametrize(("mutate", "field", "message"), BROKEN, ids=[f for _, f, _ in BROKEN])
def test_an_incomplete_translation_is_refused_naming_file_and_field(
    definitions_copy: Path, mutate: Callable[[dict[str, Any]], None], field: str, message: str
) -> None:
    data = copy.deepcopy(_gad7_es())
    mutate(data)
    (definitions_copy / "es" / "gad7.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(DefinitionError) as caught:
        load_definitions(definitions_copy)
    assert (caught.value.file.name, caught.value.field) == ("gad7.yaml", field)
    assert message in str(caught.value)


def test_a_translation_needs_a_section_and_a_language_folder(definitions_copy: Path) -> None:
    (definitions_copy / "es" / "nope.yaml").write_text("why: x\n")
    with pytest.raises(DefinitionError, match="no section 'nope' to translate"):
        load_definitions(definitions_copy)
    (definitions_copy / "es" / "nope.yaml").unlink()
    (definitions_copy / "en").mkdir()
    shutil.copy(definitions_copy / "es" / "gad7.yaml", definitions_copy / "en" / "gad7.yaml")
    with pytest.raises(DefinitionError, match="'en' is not a translation language"):
        load_definitions(definitions_copy)


def test_the_copied_definitions_load_unchanged(definitions_copy: Path) -> None:
    loaded = load_definitions(definitions_copy)
    assert set(loaded) == set(DEFINITIONS)
    assert set(loaded["gad7"].translations) == {"es"}
