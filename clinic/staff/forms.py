"""Staff console forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.models.staff import ROLES
from referrals import QUEUES

ROLE_LABELS = {
    "intake_coordinator": "Intake coordinator (all queues)",
    "clinician": "Clinician (assigned queues only)",
    "admin": "Administrator only (no clinical pages)",
}


class SignInForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[InputRequired("Please enter your email.")])
    password = PasswordField("Password", validators=[InputRequired("Please enter your password.")])


class CodeForm(FlaskForm):  # type: ignore[misc]
    code = StringField(
        "Code",
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
        validators=[InputRequired("Please enter the code."), Length(max=32)],
    )


class AuthenticatorCodeForm(FlaskForm):  # type: ignore[misc]
    """Re-entering the authenticator code to confirm a change (no recovery codes here)."""

    code = StringField(
        "Code from your authenticator app",
        description="The 6-digit code your app shows now. A recovery code does not work here.",
        validators=[InputRequired("Please enter the code from your app."), Length(max=32)],
    )


class PasswordChangeForm(FlaskForm):  # type: ignore[misc]
    current = PasswordField(
        "Current password", validators=[InputRequired("Please enter your current password.")]
    )
    new = PasswordField(
        "New password",
        description="At least 12 characters. A few unrelated words make a good one.",
        validators=[InputRequired("Please choose a new password.")],
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            InputRequired("Please type the new password again."),
            EqualTo("new", "The two new passwords are not the same."),
        ],
    )


class ActionForm(FlaskForm):  # type: ignore[misc]
    """One lifecycle step; which fields matter depends on `action`."""

    action = StringField(validators=[InputRequired()])
    version = StringField(validators=[InputRequired()])
    assignee = StringField(validators=[Optional()])
    reason = StringField(validators=[Optional()])
    target_queue = StringField(validators=[Optional()])
    channel = StringField(validators=[Optional()])
    outcome = StringField(validators=[Optional()])
    note = TextAreaField(validators=[Optional(), Length(max=2000)])


class NoteForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField(
        "Add a note",
        description="Notes are encrypted and shown to staff who can see this referral.",
        validators=[InputRequired("Write the note first."), Length(max=2000)],
    )


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccessForm(FlaskForm):  # type: ignore[misc]
    role = SelectField(
        "Role",
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES],
        validators=[InputRequired()],
    )
    is_admin = BooleanField("Also an administrator (accounts and audit log)")
    queues = CheckboxesField(
        "Queues (clinicians see only these)",
        choices=[SelectChoice(q.id, q.name) for q in QUEUES.values()],
        validate_choice=True,
    )


class NewStaffForm(AccessForm):
    email = EmailField(
        "Email", validators=[InputRequired("Please enter an email."), Length(max=254)]
    )
    display_name = StringField(
        "Name", validators=[InputRequired("Please enter a name."), Length(max=120)]
    )
