"""Every shipped definition loads; a broken one is refused naming the file and field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms import SECTION_IDS, DefinitionError, get_definition
from forms.flows import load_flows
from forms.loader import DEFINITIONS_DIR, load_definition, load_definitions
from forms.model import PATHS

CLINIC_SECTIONS = {"safety", "rel", "rship", "parent", "reg", "child"}
LOINC = {
    "phq9": ("44249-1", "44261-6"),
    "gad7": ("69737-5", "70274-6"),
    "pcl5": ("101697-1", "101698-9"),
    "auditc": ("72109-2", "75626-2"),
}


def test_every_shipped_definition_loads() -> None:
    definitions = load_definitions()
    assert set(definitions) == set(SECTION_IDS)
    assert set(definitions) >= CLINIC_SECTIONS


@pytest.mark.parametrize("section_id", SECTION_IDS)
def test_definitions_carry_citation_licence_and_why(section_id: str) -> None:
    definition = get_definition(section_id)
    assert definition.source and definition.licence and definition.why.default
    if definition.is_instrument:
        assert (definition.loinc_panel, definition.loinc_total) == LOINC.get(
            section_id, (None, None)
        )


def test_only_phq9_item_9_has_an_item_loinc_code() -> None:
    coded = {i.id: i.loinc for s in SECTION_IDS for i in get_definition(s).items if i.loinc}
    assert coded == {"phq9.9": "44260-8"}


@pytest.mark.parametrize("section_id", sorted(CLINIC_SECTIONS - {"parent"}))
def test_sensitive_clinic_sections_have_a_content_note_or_are_brief(section_id: str) -> None:
    assert get_definition(section_id).content_note is not None or section_id == "safety"


def test_safety_question_is_worded_for_the_caregiver_path() -> None:
    text = get_definition("safety").items[0].text
    assert text.for_path("adult_self") == "Are you safe where you are right now?"
    assert text.for_path("caregiver_child") == "Is your child safe where they are right now?"


def test_clinic_wording_on_the_caregiver_path_is_about_the_child() -> None:
    about_child = [*get_definition("rel").items, *get_definition("child").items[:3]]
    for item in about_child:
        assert "your child" in item.text.for_path("caregiver_child").lower(), item.id


def _phq9() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEFINITIONS_DIR / "phq9.yaml").read_text())
    return data


def _set_method(d: dict[str, Any]) -> None:
    d["scoring"]["method"] = "median"


def _duplicate_item(d: dict[str, Any]) -> None:
    d["items"][1]["id"] = "phq9.1"


def _cut_off_too_high(d: dict[str, Any]) -> None:
    d["scoring"]["cut_off"]["default"] = 30


def _override_too_high(d: dict[str, Any]) -> None:
    d["scoring"]["cut_off"]["overrides"][0]["value"] = 28


def _code_twice(d: dict[str, Any]) -> None:
    d["option_sets"]["frequency"][1]["code"] = 0


def _band_gap(d: dict[str, Any]) -> None:
    d["scoring"]["bands"][1]["min"] = 6


def _band_short(d: dict[str, Any]) -> None:
    d["scoring"]["bands"][-1]["max"] = 26


def _unknown_field(d: dict[str, Any]) -> None:
    d["items"][0]["colour"] = "red"


def _missing_why(d: dict[str, Any]) -> None:
    del d["why"]


def _wrong_id(d: dict[str, Any]) -> None:
    d["id"] = "phq8"


def _item_prefix(d: dict[str, Any]) -> None:
    d["items"][0]["id"] = "gad7.1"


def _unknown_option_set(d: dict[str, Any]) -> None:
    d["items"][2]["options"] = "frequencies"


def _show_when_forward(d: dict[str, Any]) -> None:
    d["items"][0]["show_when"] = {"item": "phq9.2", "in": [1]}


def _critical_outside_codes(d: dict[str, Any]) -> None:
    d["items"][8]["critical"]["at_least"] = 4


def _bad_loinc(d: dict[str, Any]) -> None:
    d["loinc"]["panel"] = "PHQ9"


def _unknown_variant(d: dict[str, Any]) -> None:
    d["items"][0]["text"] = {"default": "x", "kids": "y"}


def _string_code(d: dict[str, Any]) -> None:
    d["option_sets"]["frequency"][0]["code"] = "0"


def _unknown_missing_rule(d: dict[str, Any]) -> None:
    d["scoring"]["missing"] = "impute"


BROKEN: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (_set_method, "scoring.method", "unknown scoring rule 'median'"),
    (_duplicate_item, "items[1].id", "duplicate item id 'phq9.1'"),
    (_cut_off_too_high, "scoring.cut_off.default", "outside the score range 0-27"),
    (_override_too_high, "scoring.cut_off.overrides[0].value", "outside the score range"),
    (_code_twice, "option_sets.frequency[1].code", "code 0 is used twice"),
    (_band_gap, "scoring.bands[1].min", "gap or overlap"),
    (_band_short, "scoring.bands", "must cover the score range 0-27"),
    (_unknown_field, "items[0].colour", "unknown field"),
    (_missing_why, "why", "is required"),
    (_wrong_id, "id", "does not match the file name"),
    (_item_prefix, "items[0].id", "must be 'phq9.<item>'"),
    (_unknown_option_set, "items[2].options", "unknown option set"),
    (_show_when_forward, "items[0].show_when", "not an earlier item"),
    (_critical_outside_codes, "items[8].critical.at_least", "outside the item's codes"),
    (_bad_loinc, "loinc.panel", "not a LOINC code"),
    (_unknown_variant, "items[0].text.kids", "unknown field"),
    (_string_code, "option_sets.frequency[0].code", "must be an integer"),
    (_unknown_missing_rule, "scoring.missing", "unknown missing-answer rule"),
]


@pytest.mark.parametrize(("mutate", "field", "message"), BROKEN, ids=[f for _, f, _ in BROKEN])
def test_broken_definition_names_file_and_field(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], field: str, message: str
) -> None:
    data = copy.deepcopy(_phq9())
    mutate(data)
    file = tmp_path / "phq9.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(DefinitionError) as caught:
        load_definition(file)
    assert str(caught.value).startswith(f"phq9.yaml: {field}: ")
    assert message in str(caught.value)
    assert (caught.value.file, caught.value.field) == (file, field)


def test_invalid_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    file = tmp_path / "gad7.yaml"
    file.write_text("id: [unclosed\n")
    with pytest.raises(DefinitionError, match=r"^gad7\.yaml: <yaml>: not valid YAML"):
        load_definition(file)


def test_gated_items_must_be_shown_through_the_gate(tmp_path: Path) -> None:
    data = yaml.safe_load((DEFINITIONS_DIR / "pcptsd5.yaml").read_text())
    del data["items"][3]["show_when"]
    file = tmp_path / "pcptsd5.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(DefinitionError, match=re.escape("pcptsd5.3 must be shown only through")):
        load_definition(file)


def test_steps_must_place_every_item_once_in_order(tmp_path: Path) -> None:
    data = yaml.safe_load((DEFINITIONS_DIR / "asq.yaml").read_text())
    data["steps"][0]["items"] = ["asq.1", "asq.2", "asq.3"]
    file = tmp_path / "asq.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(DefinitionError, match=r"^asq\.yaml: steps: items not in any step: asq\.4"):
        load_definition(file)


def test_show_when_must_refer_to_an_earlier_step(tmp_path: Path) -> None:
    data = yaml.safe_load((DEFINITIONS_DIR / "asq.yaml").read_text())
    data["steps"] = [{"id": "all", "items": [f"asq.{i}" for i in range(1, 6)]}]
    file = tmp_path / "asq.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(DefinitionError, match=r"asq\.5 depends on asq\.1, which must be in an"):
        load_definition(file)


def _write_flows(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    from forms.flows import FLOWS_FILE

    data = yaml.safe_load(FLOWS_FILE.read_text())
    edit(data)
    file = tmp_path / "flows.yaml"
    file.write_text(yaml.safe_dump(data))
    return file


def test_flows_file_refuses_an_unknown_section(tmp_path: Path) -> None:
    file = _write_flows(tmp_path, lambda d: d["paths"]["teen_self"]["sections"].append("phq8"))
    with pytest.raises(DefinitionError, match=r"^flows\.yaml: paths\.teen_self\.sections\[7\]"):
        load_flows(file)


def test_flows_condition_must_refer_to_an_earlier_section(tmp_path: Path) -> None:
    def move_itq_first(d: dict[str, Any]) -> None:
        sections = d["paths"]["adult_self"]["sections"]
        itq = next(s for s in sections if isinstance(s, dict) and s["section"] == "itq")
        sections.remove(itq)
        sections.insert(0, itq)

    with pytest.raises(DefinitionError, match="not from an earlier section"):
        load_flows(_write_flows(tmp_path, move_itq_first))


def test_flows_define_the_three_paths() -> None:
    assert set(load_flows().paths) == set(PATHS)


@pytest.mark.parametrize("file", sorted(DEFINITIONS_DIR.glob("*.yaml")), ids=lambda f: f.name)
def test_c_and_pure_python_yaml_parsers_agree(file: Path) -> None:
    text = file.read_text()
    c_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert yaml.load(text, Loader=yaml.SafeLoader) == yaml.load(text, Loader=c_loader)


def _flows_itq_when(when: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        sections = d["paths"]["adult_self"]["sections"]
        itq = next(s for s in sections if isinstance(s, dict) and s["section"] == "itq")
        itq["when"] = when

    return edit


@pytest.mark.parametrize(
    ("when", "field", "message"),
    [
        ({"total": "apgar"}, "when.total", "give min and/or max"),
        ({"total": "apgar", "min": 7, "max": 6}, "when.min", "7 is above max 6"),
        ({"total": "apgar", "max": 11}, "when", "11 is outside apgar's total range 0-10"),
        ({"total": "apgar", "max": "six"}, "when.max", "must be an integer"),
        (
            {"any_of": [{"item": "rel.1", "in": [1]}, {"total": "rel", "max": 1}]},
            "when",
            "'rel' has no total",
        ),
    ],
)
def test_flows_total_condition_is_checked(
    tmp_path: Path, when: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_flows(_write_flows(tmp_path, _flows_itq_when(when)))
    assert str(caught.value).startswith(f"flows.yaml: paths.adult_self.sections[7].{field}: ")
    assert message in str(caught.value)


def _write_definition(tmp_path: Path, section: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load((DEFINITIONS_DIR / f"{section}.yaml").read_text())
    edit(data)
    file = tmp_path / f"{section}.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True))
    return file


def test_an_item_condition_may_not_look_at_instrument_results(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["items"][1]["show_when"] = {"total": "apgar", "max": 6}

    with pytest.raises(DefinitionError, match=r"^parent\.yaml: items\[1\]\.show_when: an item's"):
        load_definition(_write_definition(tmp_path, "parent", edit))


def test_item_ages_are_for_clinic_questions_only(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["items"][0]["ages"] = {"min": 12}

    with pytest.raises(DefinitionError, match=r"^phq9\.yaml: items\[0\]\.ages: an instrument's"):
        load_definition(_write_definition(tmp_path, "phq9", edit))


@pytest.mark.parametrize(
    ("ages", "field", "message"),
    [
        ({}, "items[0].ages", "give min and/or max"),
        ({"min": 5, "max": 4}, "items[0].ages.min", "5 is above max 4"),
        ({"min": "three"}, "items[0].ages.min", "must be an integer"),
    ],
)
def test_item_ages_are_checked(
    tmp_path: Path, ages: dict[str, Any], field: str, message: str
) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["items"][0]["ages"] = ages

    with pytest.raises(DefinitionError) as caught:
        load_definition(_write_definition(tmp_path, "child", edit))
    assert str(caught.value).startswith(f"child.yaml: {field}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"0.9": ["Older wording."]}, "changes", "must say what changed in the current version"),
        ({"1.0": []}, "changes.1.0", "must be a non-empty list of sentences"),
        ({"1.0": [""]}, "changes.1.0", "must be a non-empty list of sentences"),
        (["1.0: new"], "changes", "must map a version to a list of changes"),
    ],
)
def test_changes_are_checked(tmp_path: Path, changes: object, field: str, message: str) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["changes"] = changes

    with pytest.raises(DefinitionError) as caught:
        load_definition(_write_definition(tmp_path, "gad7", edit))
    assert str(caught.value).startswith(f"gad7.yaml: {field}: ")
    assert message in str(caught.value)


def test_flows_changes_must_describe_the_flows_version(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["changes"] = {"0.1": ["First flows."]}

    with pytest.raises(DefinitionError, match=r"^flows\.yaml: changes: must say what changed"):
        load_flows(_write_flows(tmp_path, edit))


def test_flows_condition_must_refer_to_a_known_question(tmp_path: Path) -> None:
    edit = _flows_itq_when({"item": "rel.9", "in": [1]})
    with pytest.raises(DefinitionError, match=r"sections\[7\]\.when: unknown question 'rel\.9'"):
        load_flows(_write_flows(tmp_path, edit))


def _set(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        target: Any = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("place", "value", "field", "message"),
    [
        (("paths",), ["adult_self"], "paths", "valid dictionary"),
        (("paths", "teen_self"), "teen", "paths.teen_self", "must be a mapping"),
        (("paths", "teen_self", "respondent"), "parent", "paths.teen_self.respondent", "one of"),
        (("paths", "teen_self", "ages"), {"min": "x"}, "paths.teen_self.ages.min", "integer"),
        (
            ("paths", "teen_self", "ages"),
            {"min": 17, "max": 12},
            "paths.teen_self.ages.min",
            "above",
        ),
        (("paths", "teen_self", "ages"), {"max": 300}, "paths.teen_self.ages.max", "between"),
        (("paths", "teen_self", "sections"), None, "paths.teen_self.sections", "is required"),
        (("paths", "teen_self", "sections"), [], "paths.teen_self.sections", "must not be empty"),
        (("paths", "teen_self", "sections", 2), 42, "paths.teen_self.sections[2]", "mapping"),
        (
            ("paths", "teen_self", "sections", 2),
            {"section": "apgar", "often": True},
            "paths.teen_self.sections[2].often",
            "unknown field",
        ),
        (
            ("paths", "teen_self", "sections", 2),
            "rel",
            "paths.teen_self.sections[2].section",
            "'rel' is listed twice",
        ),
        (("paths", "teen_self", "extra"), 1, "paths.teen_self.extra", "unknown field"),
    ],
)
def test_flows_paths_refuse_malformed_entries_naming_the_place(
    tmp_path: Path, place: tuple[str | int, ...], value: object, field: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_flows(_write_flows(tmp_path, _set(place, value)))
    assert str(caught.value).startswith(f"flows.yaml: {field}: ")
    assert message in str(caught.value)


def test_flows_paths_must_be_exactly_the_three_paths(tmp_path: Path) -> None:
    file = _write_flows(tmp_path, lambda d: d["paths"].pop("teen_self"))
    with pytest.raises(DefinitionError, match=r"^flows\.yaml: paths: must define exactly"):
        load_flows(file)
