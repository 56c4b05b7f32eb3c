"""WTForms classes built from step definitions (plain ``wtforms.Form``; no Flask-WTF).

Field names are the answer ids (``phq9.1``); WTForms accepts dots in field names, so
the HTML ``name`` and ``id`` are the answer ids too. Access fields as
``form["phq9.1"]``. Each field is a radio group whose values are the published codes;
every question adds the choice :data:`PREFER_NOT_TO_ANSWER` (any question can be
skipped), which :meth:`StepForm.answers` stores as ``None``. The web layer mixes in CSRF
(e.g. ``type("Web", (FlaskForm, build_step_form(step)), {})``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

from wtforms import Form, RadioField, SelectChoice
from wtforms.validators import InputRequired, ValidationError

from forms.flows import Step

PREFER_NOT_TO_ANSWER = "prefer_not_to_answer"
PREFER_NOT_TO_ANSWER_LABEL = "Prefer not to answer"


class StepForm(Form):  # type: ignore[misc]
    """Base class of every generated step form; ``step`` is the step it was built from."""

    step: ClassVar[Step]

    def answers(self) -> dict[str, int | None]:
        """The submitted answers keyed by id; prefer-not-to-answer becomes ``None``."""
        result: dict[str, int | None] = {}
        for item_id in self.step.item_ids:
            data = self[item_id].data
            if data == PREFER_NOT_TO_ANSWER:
                result[item_id] = None
            elif isinstance(data, int):
                result[item_id] = data
        return result

    @classmethod
    def initial_data(cls, answers: Mapping[str, int | None]) -> dict[str, object]:
        """``data=`` for pre-filling the form from stored answers (None -> the refusal choice)."""
        return {
            item_id: PREFER_NOT_TO_ANSWER if answers[item_id] is None else answers[item_id]
            for item_id in cls.step.item_ids
            if item_id in answers
        }


def _coerce(value: object) -> int | str:
    if value == PREFER_NOT_TO_ANSWER:
        return PREFER_NOT_TO_ANSWER
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"not an answer code: {value!r}")


class _OneOf:
    """Accept exactly the defined codes (and the refusal choice where offered)."""

    def __init__(self, allowed: frozenset[int | str]) -> None:
        self.allowed = allowed

    def __call__(self, form: Any, field: Any) -> None:
        if field.data not in self.allowed:
            raise ValidationError("Please choose one of the answers shown.")


@cache
def build_step_form(step: Step) -> type[StepForm]:
    """A form class for one step: one radio field per question, named by its id."""
    fields: dict[str, object] = {"step": step}
    for question in step.questions:
        choices = [SelectChoice(o.code, o.label) for o in question.options]
        choices.append(SelectChoice(PREFER_NOT_TO_ANSWER, PREFER_NOT_TO_ANSWER_LABEL))
        fields[question.id] = RadioField(
            question.text,
            choices=choices,
            coerce=_coerce,
            validators=[
                InputRequired("Please choose an answer."),
                _OneOf(frozenset(choice.value for choice in choices)),
            ],
            validate_choice=False,
        )
    name = "StepForm_" + "".join(c if c.isalnum() else "_" for c in step.id)
    return type(name, (StepForm,), fields)
