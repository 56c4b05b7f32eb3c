"""Staff console forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired


class SignInForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[InputRequired("Please enter your email.")])
    password = PasswordField("Password", validators=[InputRequired("Please enter your password.")])
