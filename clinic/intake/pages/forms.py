"""The intake's own forms (start, about you, resume) and the step forms built from
`forms` definitions with CSRF added (the contact screens' forms are in `contact_forms`).
Labels and messages go through Babel."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

import forms
from forms import PREFER_NOT_TO_ANSWER, Step, StepForm

PREFER_NOT = PREFER_NOT_TO_ANSWER
MAX_AGE = 125


@cache
def web_step_form(step: Step) -> type[StepForm]:
    """The `forms` step form with Flask-WTF's CSRF token added."""
    base = forms.build_step_form(step)
    return type(f"Web{base.__name__}", (FlaskForm, base), {})


def step_answers(form: StepForm, *, only_valid: bool) -> dict[str, int | None]:
    """The answers given on a step; with only_valid, those without an error (partial save)."""
    answers: dict[str, int | None] = {}
    for item_id in form.step.item_ids:
        field = form[item_id]
        if only_valid and field.errors:
            continue
        if field.data == PREFER_NOT:
            answers[item_id] = None
        elif isinstance(field.data, int) and not isinstance(field.data, bool):
            answers[item_id] = field.data
    return answers


class StartForm(FlaskForm):  # type: ignore[misc]
    path = RadioField(
        _l("Who is this form about?"),
        choices=[
            SelectChoice("adult_self", _l("Me – I am 18 or older")),
            SelectChoice("teen_self", _l("Me – I am 12 to 17 years old")),
            SelectChoice("caregiver_child", _l("A child or teenager I care for")),
        ],
        validators=[InputRequired(_l("Please choose who the form is about."))],
    )
    subject_age = StringField(
        _l("How old are you, or the child you care for? (in years)"),
        validators=[InputRequired(_l("Please give an age in whole years, for example 34."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    consent = BooleanField(
        _l("I have read the privacy notice and I agree to the clinic keeping my answers"),
        validators=[
            InputRequired(
                _l("To continue, please tick the box to say you agree to the privacy notice.")
            )
        ],
    )

    def age(self) -> int | None:
        raw = self.subject_age.data
        if isinstance(raw, str) and raw.isascii() and raw.isdigit() and int(raw) <= MAX_AGE:
            return int(raw)
        return None

    def validate_subject_age(self, field: Field) -> None:
        path, age = self.path.data, self.age()
        if age is None:
            raise ValidationError(_l("Please give an age in whole years, for example 34."))
        if not isinstance(age, int) or path not in forms.PATHS or forms.path_fits_age(path, age):
            return
        if path == "adult_self" and 12 <= age < 18:
            raise ValidationError(
                _l("For ages 12 to 17, please choose “Me – I am 12 to 17 years old”.")
            )
        if path == "adult_self":
            raise ValidationError(
                _l("For a child under 12, a parent or carer can fill in the form for them.")
            )
        if path == "teen_self" and age >= 18:
            raise ValidationError(
                _l("For ages 18 and over, please choose “Me – I am 18 or older”.")
            )
        if path == "teen_self":
            raise ValidationError(
                _l(
                    "This form is for ages 12 to 17. If you are younger, please ask a parent "
                    "or another adult you trust to fill it in with you."
                )
            )
        raise ValidationError(
            _l("This choice is for children up to 17. Adults can fill in the form for themselves.")
        )


class AboutForm(FlaskForm):  # type: ignore[misc]
    sex = RadioField(
        _l("What is your sex?"),
        choices=[
            SelectChoice("female", _l("Female")),
            SelectChoice("male", _l("Male")),
            SelectChoice("other", _l("Another sex, or intersex")),
            SelectChoice(PREFER_NOT, _l("Prefer not to answer")),
        ],
        validators=[InputRequired(_l("Please choose an answer, or “Prefer not to answer”."))],
    )

    def value(self) -> str | None:
        return None if self.sex.data == PREFER_NOT else str(self.sex.data)


class ResumeForm(FlaskForm):  # type: ignore[misc]
    code = StringField(
        _l("Your resume code"),
        validators=[InputRequired(_l("Please type the code you were given."))],
    )


class EmailLinkForm(FlaskForm):  # type: ignore[misc]
    """Email the resume link to the address the client gave as safe for email."""

    code = HiddenField()
    safe = BooleanField(
        _l("It is still safe for us to email this address"),
        validators=[
            InputRequired(
                _l("Please tick the box only if it is safe for us to email this address.")
            )
        ],
    )
