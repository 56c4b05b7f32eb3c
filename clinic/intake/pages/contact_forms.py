"""The contact screens' forms: the ways we may contact the client, then the details of
each chosen way on its own screen, then when and what to call them.

Each form reads the stored contact document (``initial``) and returns it updated with
what its screen asked (``updated``), so the document the notifications obey is the same
whichever screens were shown (README "The client intake").
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.models.documents import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    SAFE_TIMES,
    ChannelWish,
    ContactDocument,
    PhoneWish,
)
from forms import PREFER_NOT_TO_ANSWER

PREFER_NOT = PREFER_NOT_TO_ANSWER
EMAIL = re.compile(EMAIL_PATTERN)
PHONE = re.compile(PHONE_PATTERN)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChannelsForm(FlaskForm):  # type: ignore[misc]
    """The first contact screen: only the ways we may contact the client."""

    phone_allowed = BooleanField(_l("Phone call"))
    text_allowed = BooleanField(_l("Text message"))
    email_allowed = BooleanField(_l("Email"))
    no_contact = BooleanField(_l("Please do not contact me"))

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
        return valid

    @staticmethod
    def initial(contact: ContactDocument) -> dict[str, Any]:
        channels = contact.channels
        allowed = (channels.phone.allowed, channels.text.allowed, channels.email.allowed)
        return {
            "phone_allowed": channels.phone.allowed,
            "text_allowed": channels.text.allowed,
            "email_allowed": channels.email.allowed,
            "no_contact": not any(allowed),
        }

    def updated(self, contact: ContactDocument) -> ContactDocument:
        """The chosen ways; the details of a way no longer chosen are dropped."""
        phone_ok = bool(self.phone_allowed.data)
        text_ok = bool(self.text_allowed.data)
        email_ok = bool(self.email_allowed.data)
        old = contact.channels
        channels = old.model_copy(
            update={
                "phone": PhoneWish(
                    allowed=phone_ok,
                    leave_message=phone_ok and old.phone.leave_message,
                    mention_clinic=phone_ok and old.phone.mention_clinic,
                ),
                "text": ChannelWish(
                    allowed=text_ok, mention_clinic=text_ok and old.text.mention_clinic
                ),
                "email": ChannelWish(
                    allowed=email_ok, mention_clinic=email_ok and old.email.mention_clinic
                ),
            }
        )
        return contact.model_copy(
            update={
                "channels": channels,
                "phone": contact.phone if phone_ok or text_ok else None,
                "email": contact.email if email_ok else None,
                "safe_times": contact.safe_times if any((phone_ok, text_ok, email_ok)) else [],
            }
        )


class PhoneForm(FlaskForm):  # type: ignore[misc]
    """The phone number, and what we may do when we call or text (only the ways chosen)."""

    phone = StringField(
        _l("Phone number"), validators=[Optional(), Length(max=24)], filters=[_strip]
    )
    phone_leave_message = BooleanField(_l("It is OK to leave a voicemail"))
    phone_mention_clinic = BooleanField(_l("It is OK to say the clinic’s name on a call"))
    text_mention_clinic = BooleanField(_l("It is OK to use the clinic’s name in a text"))

    def __init__(self, *args: Any, contact: ContactDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not contact.channels.phone.allowed:
            del self.phone_leave_message
            del self.phone_mention_clinic
        if not contact.channels.text.allowed:
            del self.text_mention_clinic

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.phone.errors:
            return False
        if not self.phone.data:
            self.phone.errors.append(_l("Please give a phone number, for calls or texts."))
            return False
        if not PHONE.match(self.phone.data):
            self.phone.errors.append(
                _l("Please give a phone number using digits, like 555 123 4567.")
            )
            return False
        return valid

    @staticmethod
    def initial(contact: ContactDocument) -> dict[str, Any]:
        channels = contact.channels
        return {
            "phone": contact.phone or "",
            "phone_leave_message": channels.phone.leave_message,
            "phone_mention_clinic": channels.phone.mention_clinic,
            "text_mention_clinic": channels.text.mention_clinic,
        }

    def updated(self, contact: ContactDocument) -> ContactDocument:
        channels = contact.channels
        phone, text = channels.phone, channels.text
        if self.phone_leave_message is not None:
            phone = PhoneWish(
                allowed=True,
                leave_message=bool(self.phone_leave_message.data),
                mention_clinic=bool(self.phone_mention_clinic.data),
            )
        if self.text_mention_clinic is not None:
            text = ChannelWish(allowed=True, mention_clinic=bool(self.text_mention_clinic.data))
        return contact.model_copy(
            update={
                "phone": self.phone.data,
                "channels": channels.model_copy(update={"phone": phone, "text": text}),
            }
        )


class EmailForm(FlaskForm):  # type: ignore[misc]
    email = StringField(
        _l("Email address"), validators=[Optional(), Length(max=254)], filters=[_strip]
    )
    email_mention_clinic = BooleanField(_l("It is OK to use the clinic’s name in an email"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.email.errors:
            return False
        if not self.email.data:
            self.email.errors.append(_l("Please give an email address, or untick Email."))
            return False
        if not EMAIL.match(self.email.data):
            self.email.errors.append(_l("Please give an email address like name@example.com."))
            return False
        return valid

    @staticmethod
    def initial(contact: ContactDocument) -> dict[str, Any]:
        return {
            "email": contact.email or "",
            "email_mention_clinic": contact.channels.email.mention_clinic,
        }

    def updated(self, contact: ContactDocument) -> ContactDocument:
        email = ChannelWish(allowed=True, mention_clinic=bool(self.email_mention_clinic.data))
        return contact.model_copy(
            update={
                "email": self.email.data,
                "channels": contact.channels.model_copy(update={"email": email}),
            }
        )


class MoreForm(FlaskForm):  # type: ignore[misc]
    """When it is safe to contact the client (when a way was chosen), what to call them,
    and (teenagers) whether a parent or carer may be contacted."""

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
        filters=[_strip],
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

    def __init__(self, *args: Any, teen: bool, contact: ContactDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = contact.channels
        if not (channels.phone.allowed or channels.text.allowed or channels.email.allowed):
            del self.safe_times
        if not teen:
            del self.caregiver_contact_ok

    @staticmethod
    def initial(contact: ContactDocument, teen: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"name": contact.name or "", "safe_times": list(contact.safe_times)}
        if teen and contact.caregiver_question_recorded:
            value = contact.caregiver_contact_ok
            data["caregiver_contact_ok"] = {True: "yes", False: "no", None: PREFER_NOT}[value]
        return data

    def updated(self, contact: ContactDocument) -> ContactDocument:
        update: dict[str, Any] = {"name": self.name.data or None}
        if self.safe_times is not None:
            chosen = self.safe_times.data or []
            update["safe_times"] = [t for t in SAFE_TIMES if t in chosen]
        if self.caregiver_contact_ok is not None:
            value = self.caregiver_contact_ok.data
            update["caregiver_contact_ok"] = {"yes": True, "no": False}.get(value)
        return contact.model_copy(update=update)
