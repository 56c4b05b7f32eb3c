"""The placeholder intake form: who it is for, their age, and whether they are safe now."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

PREFER_NOT = "prefer_not"


class PlaceholderIntakeForm(FlaskForm):  # type: ignore[misc]
    path = RadioField(
        "Who is this form for?",
        choices=[
            SelectChoice("adult_self", "Myself (18 or older)"),
            SelectChoice("teen_self", "Myself (12 to 17)"),
            SelectChoice("caregiver_child", "A child I care for"),
        ],
        validators=[InputRequired("Please choose who the form is for.")],
    )
    subject_age = IntegerField(
        "How old are you (or the child)?",
        validators=[InputRequired("Please give an age in years."), NumberRange(0, 120)],
    )
    safety_now = RadioField(
        "Are you (or the child) safe where you are right now?",
        choices=[
            SelectChoice("1", "Yes"),
            SelectChoice("0", "No"),
            SelectChoice(PREFER_NOT, "Prefer not to answer"),
        ],
        validators=[InputRequired("Please choose an answer, or 'Prefer not to answer'.")],
    )

    def answers(self) -> dict[str, int | None]:
        value = self.safety_now.data
        return {"safety.now": None if value == PREFER_NOT else int(value)}
