"""Signing in (password, then the authenticator code), out, changing the password, and
getting new recovery codes."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from clinic.models import StaffUser
from clinic.security import ratelimit, sessions, totp
from clinic.staff import bp, mfa, sign_in
from clinic.staff.access import home_url, login_required, me
from clinic.staff.forms import AuthenticatorCodeForm, CodeForm, PasswordChangeForm, SignInForm
from clinic.staff.navigation import safe_next
from clinic.staff.services import (
    TEMPORARY_PASSWORD_LIFETIME,
    change_password,
)

GENERIC_FAILURE = "That email and password do not match an active account."
SIGN_IN_AGAIN = "Please sign in again: the time to enter your code ran out."
CODE_FAILED = "That code did not work. Check the time on your phone and try again."
APP_CODE_FAILED = (
    "That code did not work. Enter the 6-digit code your authenticator app shows now "
    "(a recovery code does not work here)."
)
TEMPORARY_EXPIRED = (
    "Your temporary password has expired: they work for "
    f"{TEMPORARY_PASSWORD_LIFETIME // timedelta(hours=1)} hours. "
    "Please ask an administrator to set a new one."
)


def _finish_sign_in(user: StaffUser, method: mfa.Method) -> str:
    """Both factors passed: a new session; returns where the browser goes next.

    After a temporary password (set by an admin) that is the change-password
    page, and the console stays closed until the new password is chosen.
    """
    target = sessions.pending_next() or home_url(user)
    if sign_in.finish(user, method):
        target = url_for("staff.password")
    return target


def _pending_user_or_restart() -> StaffUser | Response:
    """The account between its password and its code, or a redirect to sign in again."""
    user = sessions.pending_user()
    if user is None:
        flash(SIGN_IN_AGAIN, "error")
        return redirect(url_for("staff.login"))
    return user


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_url(me()))
    form = SignInForm()
    if form.validate_on_submit():
        next_url = safe_next(request.args.get("next")) or ""
        attempt = ratelimit.reserve_password_attempt(form.email.data)
        outcome, user = sign_in.check_password(form.email.data, form.password.data, next_url)
        if outcome == "wrong":
            flash(GENERIC_FAILURE, "error")
        elif outcome == "expired":  # the right password: not a failure to count
            attempt.succeeded()
            flash(TEMPORARY_EXPIRED, "error")
        else:
            attempt.succeeded()
            assert user is not None  # accepted
            return redirect(url_for("staff.mfa_code" if user.has_mfa else "staff.mfa_setup"))
    return render_template("staff/login.html", form=form)


@bp.route("/mfa", methods=["GET", "POST"])
def mfa_code() -> str | Response:
    user = _pending_user_or_restart()
    if isinstance(user, Response):
        return user
    if not user.has_mfa:
        return redirect(url_for("staff.mfa_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        attempt = ratelimit.reserve_code_attempt()
        method = mfa.verify(user, form.code.data)
        if method is None:
            flash(CODE_FAILED, "error")
        else:
            attempt.succeeded()
            target = _finish_sign_in(user, method)
            if method == "recovery_code":
                left = mfa.unused_recovery_codes(user)
                flash(f"You used a recovery code; {left} left. Each works once.", "info")
            return redirect(target)
    return render_template("staff/mfa.html", form=form)


@bp.route("/mfa/setup", methods=["GET", "POST"])
def mfa_setup() -> str | Response:
    user = _pending_user_or_restart()
    if isinstance(user, Response):
        return user
    if user.has_mfa:
        return redirect(url_for("staff.mfa_code"))
    secret = mfa.enrolment_secret(user)
    form = CodeForm()
    if form.validate_on_submit():
        attempt = ratelimit.reserve_code_attempt()
        codes = mfa.confirm_enrolment(user, form.code.data)
        if codes is None:
            flash(CODE_FAILED, "error")
        else:
            attempt.succeeded()
            target = _finish_sign_in(user, "totp")
            return render_template("staff/recovery_codes.html", codes=codes, target=target)
    uri = totp.provisioning_uri(secret, user.email)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("staff/mfa_setup.html", form=form, qr=totp.qr_svg(uri), secret=grouped)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    sign_in.sign_out(me())
    flash("You have signed out.", "info")
    return redirect(url_for("staff.login"))


@bp.route("/session/keepalive", methods=["POST"])
@login_required
def keepalive() -> tuple[str, int]:
    """The idle warning's "stay signed in" (the request itself resets the idle clock)."""
    return "", 204


@bp.route("/account")
@login_required
def account() -> str:
    return render_template(
        "staff/account.html", user=me(), codes_left=mfa.unused_recovery_codes(me())
    )


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@login_required
def account_recovery_codes() -> str:
    """New recovery codes for the old ones, after the authenticator code is entered again."""
    user = me()
    form = AuthenticatorCodeForm()
    if form.validate_on_submit():
        attempt = ratelimit.reserve_code_attempt()
        codes = mfa.regenerate_recovery_codes(user, form.code.data)
        if codes is not None:
            attempt.succeeded()
            return render_template(
                "staff/recovery_codes.html",
                codes=codes,
                target=url_for("staff.account"),
                replaced=True,
            )
        form.code.errors.append(APP_CODE_FAILED)
    return render_template(
        "staff/account_recovery_codes.html",
        form=form,
        codes_left=mfa.unused_recovery_codes(user),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    forced = current_user.temporary_password_expires_at is not None
    form = PasswordChangeForm()
    if forced:
        form.current.label.text = "Temporary password"
    if form.validate_on_submit():
        user = me()
        try:
            change_password(user, form.current.data, form.new.data)
        except ValueError as exc:  # refused before anything was changed
            form.new.errors.append(str(exc))
        else:
            sessions.refresh_after_password_change(user)
            if forced:
                flash("Your new password is set. Thank you.", "info")
                return redirect(home_url(user))
            flash("Your password is changed. Any other signed-in sessions have ended.", "info")
            return redirect(url_for("staff.account"))
    return render_template("staff/password.html", form=form, forced=forced)
