"""Client screens: plain titles (never the instrument's name) and at most five questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from forms import DefinitionError, flow_for, next_steps
from forms.flows import MAX_QUESTIONS
from forms.loader import DEFINITIONS_DIR, load_definition
from forms.registry import DEFINITIONS

AGES = {"adult_self": (18, 40, 90), "teen_self": (12, 17), "caregiver_child": (0, 3, 5, 9, 16)}


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_screen_asks_more_than_five_questions_at_any_age(language: str) -> None:
    for path, ages in AGES.items():
        for age in ages:
            steps = flow_for(path, age, language=language).steps
            assert steps and all(1 <= len(s.questions) <= MAX_QUESTIONS for s in steps), path
            ids = [s.id for s in steps]
            assert len(ids) == len(set(ids))


def test_split_screens_keep_every_question_once_and_in_order() -> None:
    for path, ages in AGES.items():
        for age in ages:
            flow = flow_for(path, age)
            for section in flow.sections:
                asked = [q.id for s in flow.steps if s.section == section for q in s.questions]
                definition = DEFINITIONS[section]
                in_steps = [i for spec in definition.steps for i in spec.items]
                expected = [i for i in in_steps if definition.items_by_id[i].asked_at(age)]
                assert asked == expected, (path, age, section)


def test_phq9_is_two_screens_of_five_and_the_first_keeps_its_id() -> None:
    phq9 = [s for s in flow_for("adult_self", 30).steps if s.section == "phq9"]
    assert [(s.id, len(s.questions)) for s in phq9] == [("phq9", 5), ("phq9-2", 5)]
    assert phq9[0].title == phq9[1].title == "Your mood over the last two weeks"


def test_branching_inside_a_split_section_is_unchanged() -> None:
    # ASQ acuity is asked only after a yes on a screening question, as before the split.
    no = {"asq.1": 0, "asq.2": 0, "asq.3": 0, "asq.4": 0}
    yes = {**no, "asq.2": 1}
    ids = {s.id for s in next_steps("teen_self", 15, no).steps}
    assert "asq-acuity" not in ids
    assert "asq-acuity" in {s.id for s in next_steps("teen_self", 15, yes).steps}


def test_clients_see_plain_titles_and_staff_the_instrument_name() -> None:
    for definition in DEFINITIONS.values():
        if not definition.is_instrument:
            assert definition.name == definition.title.default
            continue
        assert definition.name and definition.name != definition.title.default
        for path, ages in AGES.items():
            for language in ("en", "es"):
                for step in flow_for(path, ages[-1], language=language).steps:
                    if step.section == definition.id:
                        assert step.title != definition.name
                        assert "(" not in step.title, step.title  # no abbreviations
                        assert step.title_language == language


def test_an_instrument_needs_its_published_name(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load((DEFINITIONS_DIR / "gad7.yaml").read_text())
    del data["name"]
    file = tmp_path / "gad7.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(DefinitionError, match=r"^gad7\.yaml: name: is required"):
        load_definition(file)
