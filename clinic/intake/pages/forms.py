"""The intake's own forms (start, contact wishes, about you, resume) and the step forms
built from `forms` definitions with CSRF added. Labels and messages go through Babel."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

import forms
from clinic.models.documents import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    SAFE_TIMES,
    ChannelWish,
    ChannelWishes,
    ContactDocument,
    PhoneWish,
)
from forms import PREFER_NOT_TO_ANSWER, Step, StepForm

PREFER_NOT = PREFER_NOT_TO_ANSWER
EMAIL = re.compile(EMAIL_PATTERN)
PHONE = re.compile(PHONE_PATTERN)
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
        if isinstance(raw, str) and raw.isdigit() and int(raw) <= MAX_AGE:
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


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ContactForm(FlaskForm):  # type: ignore[misc]
    """How, when and whether the clinic may contact the client (the contact document)."""

    phone_allowed = BooleanField(_l("Phone call"))
    text_allowed = BooleanField(_l("Text message"))
    email_allowed = BooleanField(_l("Email"))
    no_contact = BooleanField(_l("Please do not contact me"))
    phone = StringField(
        _l("Phone number"),
        validators=[Optional(), Length(max=24)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    phone_leave_message = BooleanField(_l("It is OK to leave a voicemail"))
    phone_mention_clinic = BooleanField(_l("It is OK to say the clinic’s name on a call"))
    text_mention_clinic = BooleanField(_l("It is OK to use the clinic’s name in a text"))
    email = StringField(
        _l("Email address"),
        validators=[Optional(), Length(max=254)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    email_mention_clinic = BooleanField(_l("It is OK to use the clinic’s name in an email"))
    safe_times = MultiCheckboxField(
        _l("When is it safe to contact you?"),
        choices=[
            SelectChoice("weekday_morning", _l("Weekday mornings")),
            SelectChoice("weekday_afternoon", _l("Weekday afternoons")),
            SelectChoice("weekday_evening", _l("Weekday evenings")),
            SelectChoice("weekend", _l("Weekends")),
        ],
        validate_choice=True,
    )
    name = StringField(
        _l("What would you like us to call you? (optional)"),
        validators=[
            Optional(),
            Length(max=80, message=_l("Please keep this under 80 characters.")),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    caregiver_contact_ok = RadioField(
        _l("May we contact a parent or carer of yours?"),
        choices=[
            SelectChoice("yes", _l("Yes")),
            SelectChoice("no", _l("No")),
            SelectChoice(PREFER_NOT, _l("Prefer not to answer")),
        ],
        validators=[InputRequired(_l("Please choose an answer, or “Prefer not to answer”."))],
    )

    def __init__(self, *args: Any, teen: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not teen:
            del self.caregiver_contact_ok

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        channels = (self.phone_allowed.data, self.text_allowed.data, self.email_allowed.data)
        if self.no_contact.data and any(channels):
            self.no_contact.errors.append(
                _l(
                    "You chose “Please do not contact me” and also a way to contact you. "
                    "Please choose one."
                )
            )
            valid = False
        elif not self.no_contact.data and not any(channels):
            self.phone_allowed.errors.append(
                _l("Please choose at least one way to contact you, or “Please do not contact me”.")
            )
            valid = False
        if (self.phone_allowed.data or self.text_allowed.data) and not self.phone.errors:
            if not self.phone.data:
                self.phone.errors.append(_l("Please give a phone number, for calls or texts."))
                valid = False
            elif not PHONE.match(self.phone.data):
                self.phone.errors.append(
                    _l("Please give a phone number using digits, like 555 123 4567.")
                )
                valid = False
        elif self.phone.data and not self.phone.errors and not PHONE.match(self.phone.data):
            self.phone.errors.append(
                _l("Please give a phone number using digits, like 555 123 4567.")
            )
            valid = False
        if self.email.data and not self.email.errors and not EMAIL.match(self.email.data):
            self.email.errors.append(_l("Please give an email address like name@example.com."))
            valid = False
        elif self.email_allowed.data and not self.email.data:
            self.email.errors.append(_l("Please give an email address, or untick Email."))
            valid = False
        return valid

    def document(self, language: str) -> ContactDocument:
        """The contact document (README "The client intake"; notifications obey it).

        Every key but `resume_email_ok`, which the client sets on the saved page.
        """
        phone_ok = bool(self.phone_allowed.data)
        text_ok = bool(self.text_allowed.data)
        email_ok = bool(self.email_allowed.data)
        caregiver: bool | None = None
        if self.caregiver_contact_ok is not None:
            caregiver = {"yes": True, "no": False}.get(self.caregiver_contact_ok.data)
        return ContactDocument(
            language=language,
            name=self.name.data or None,
            email=self.email.data or None,
            phone=self.phone.data or None,
            channels=ChannelWishes(
                email=ChannelWish(
                    allowed=email_ok,
                    mention_clinic=email_ok and bool(self.email_mention_clinic.data),
                ),
                phone=PhoneWish(
                    allowed=phone_ok,
                    leave_message=phone_ok and bool(self.phone_leave_message.data),
                    mention_clinic=phone_ok and bool(self.phone_mention_clinic.data),
                ),
                text=ChannelWish(
                    allowed=text_ok,
                    mention_clinic=text_ok and bool(self.text_mention_clinic.data),
                ),
            ),
            safe_times=[t for t in SAFE_TIMES if t in (self.safe_times.data or [])],
            caregiver_contact_ok=caregiver,
        )

    @staticmethod
    def initial(contact: ContactDocument, teen: bool) -> dict[str, Any]:
        """Form data from a stored contact document (to show what was chosen)."""
        channels = contact.channels
        data: dict[str, Any] = {
            "phone_allowed": channels.phone.allowed,
            "text_allowed": channels.text.allowed,
            "email_allowed": channels.email.allowed,
            "phone": contact.phone or "",
            "email": contact.email or "",
            "name": contact.name or "",
            "phone_leave_message": channels.phone.leave_message,
            "phone_mention_clinic": channels.phone.mention_clinic,
            "text_mention_clinic": channels.text.mention_clinic,
            "email_mention_clinic": channels.email.mention_clinic,
            "safe_times": list(contact.safe_times),
        }
        if teen and contact.caregiver_question_recorded:
            value = contact.caregiver_contact_ok
            data["caregiver_contact_ok"] = {True: "yes", False: "no", None: PREFER_NOT}[value]
        return data


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
