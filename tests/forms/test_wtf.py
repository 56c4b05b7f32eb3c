"""WTForms classes built from steps, and whole-dict validation for the JSON API."""

from __future__ import annotations

from dataclasses import replace

import pytest
from wtforms import Form

from forms import (
    PATHS,
    PREFER_NOT_TO_ANSWER,
    Step,
    build_step_form,
    flow_for,
    validate_answers,
)


class FormData(dict[str, str]):
    """The multidict interface WTForms reads submitted data through."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def step(path: str, age: int, step_id: str) -> Step:
    return next(s for s in flow_for(path, age).steps if s.id == step_id)


def whole_section(path: str, age: int, section: str) -> Step:
    """A section's screens as one step (a form class works on any set of questions)."""
    screens = [s for s in flow_for(path, age).steps if s.section == section]
    return replace(screens[0], questions=tuple(q for s in screens for q in s.questions))


PHQ9 = whole_section("adult_self", 30, "phq9")


def phq9_submission(**changes: str) -> FormData:
    data = FormData({f"phq9.{i}": "1" for i in range(1, 11)})
    data.update({k.replace("_", "."): v for k, v in changes.items()})
    return data


def test_fields_are_named_by_item_id_in_order() -> None:
    form = build_step_form(PHQ9)()
    assert isinstance(form, Form)
    assert [field.name for field in form] == list(PHQ9.item_ids)
    assert form["phq9.1"].label.text == "Little interest or pleasure in doing things"
    assert 'name="phq9.1"' in form["phq9.1"]()


def test_valid_submission_gives_int_codes() -> None:
    form = build_step_form(PHQ9)(phq9_submission(phq9_9="3"))
    assert form.validate(), form.errors
    assert form.answers() == {f"phq9.{i}": (3 if i == 9 else 1) for i in range(1, 11)}


def test_prefer_not_to_answer_is_offered_on_every_item_and_stored_as_none() -> None:
    form = build_step_form(PHQ9)(
        phq9_submission(phq9_1=PREFER_NOT_TO_ANSWER, phq9_9=PREFER_NOT_TO_ANSWER)
    )
    assert form.validate(), form.errors
    assert form.answers()["phq9.1"] is None and form.answers()["phq9.9"] is None
    assert form.answers()["phq9.2"] == 1
    assert [c[0] for c in form["phq9.1"].iter_choices()] == [0, 1, 2, 3, PREFER_NOT_TO_ANSWER]


@pytest.mark.parametrize("path", PATHS)
def test_every_question_of_every_flow_can_be_refused(path: str) -> None:
    age = {"adult_self": 30, "teen_self": 15, "caregiver_child": 8}[path]
    for step in flow_for(path, age).steps:
        form = build_step_form(step)()
        for question in step.questions:
            assert PREFER_NOT_TO_ANSWER in [c[0] for c in form[question.id].iter_choices()]


@pytest.mark.parametrize("value", ["4", "-1", "x", ""])
def test_only_the_defined_codes_are_accepted(value: str) -> None:
    form = build_step_form(PHQ9)(phq9_submission(phq9_3=value))
    assert not form.validate()
    assert list(form.errors) == ["phq9.3"]


def test_a_missing_answer_is_required() -> None:
    data = phq9_submission()
    del data["phq9.4"]
    form = build_step_form(PHQ9)(data)
    assert not form.validate()
    assert list(form.errors) == ["phq9.4"]


def test_initial_data_prefills_refusals_and_codes() -> None:
    form_class = build_step_form(PHQ9)
    form = form_class(data=form_class.initial_data({"phq9.2": 2, "phq9.9": None, "gad7.1": 1}))
    assert form["phq9.2"].data == 2
    assert form["phq9.9"].data == PREFER_NOT_TO_ANSWER
    assert form["phq9.1"].data is None
    unchecked = form["phq9.9"]()
    assert unchecked.count("checked") == 1 and 'checked id="phq9.9-4"' in unchecked


def test_form_classes_are_built_once_per_step_and_use_path_wording() -> None:
    assert build_step_form(PHQ9) is build_step_form(PHQ9)
    caregiver = build_step_form(step("caregiver_child", 5, "safety"))()
    assert caregiver["safety.now"].label.text == "Is your child safe where they are right now?"


def test_every_step_of_every_flow_builds_a_form() -> None:
    for path, age in (("adult_self", 30), ("teen_self", 14), ("caregiver_child", 5)):
        for s in flow_for(path, age).steps:
            form = build_step_form(s)()
            assert [f.name for f in form] == list(s.item_ids)


class TestValidateAnswers:
    def test_valid_partial_answers(self) -> None:
        assert validate_answers("adult_self", 30, {"phq9.1": 2, "phq9.9": None}) == []

    def test_each_error_names_the_field(self) -> None:
        errors = validate_answers(
            "adult_self",
            30,
            {"phq9.1": 4, "phq9.2": None, "psc17.i1": 1, "nope.1": 0, "gad7.1": True},
        )
        fields = {e.field: e.message for e in errors}
        assert set(fields) == {"phq9.1", "psc17.i1", "nope.1", "gad7.1"}
        assert "0, 1, 2, 3 or null" in fields["phq9.1"]
        assert "not asked on this path" in fields["psc17.i1"]
        assert "unknown" in fields["nope.1"]
        assert errors[0].as_dict() == {"field": "phq9.1", "message": fields["phq9.1"]}

    def test_path_and_age_errors(self) -> None:
        assert [e.field for e in validate_answers("teen_self", 30, {})] == ["subject_age"]
        assert [e.field for e in validate_answers("kid", 10, {})] == ["path"]

    def test_age_gated_sections(self) -> None:
        assert validate_answers("caregiver_child", 3, {"psc17.i1": 0})[0].field == "psc17.i1"
        assert validate_answers("caregiver_child", 4, {"psc17.i1": 0}) == []

    def test_complete_reports_unanswered_questions_after_branching(self) -> None:
        answers = {"safety.now": 1, "child.1": 0, "child.2": 0, "child.4": 1}  # no child.3 at 1
        answers |= {f"rel.{i}": 0 for i in range(1, 6)}
        errors = validate_answers("caregiver_child", 1, answers, complete=True)
        assert {e.field for e in errors} == {f"apgar.{i}" for i in range(1, 6)}
        answers |= {f"apgar.{i}": 2 for i in range(1, 6)}
        assert validate_answers("caregiver_child", 1, answers, complete=True) == []
