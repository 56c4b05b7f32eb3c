"""An attempt takes its slot before it is checked; a successful one gives it back, and an
attempt refused over the limit is not counted (it was never checked)."""

from __future__ import annotations

import pytest
from flask import Flask

from clinic.security import ratelimit
from clinic.security.ratelimit import TooManyAttempts


def test_only_failed_attempts_keep_their_slot(app: Flask) -> None:
    app.config["SIGN_IN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    with app.test_request_context("/staff/mfa", method="POST"):
        for _ in range(10):  # successes give their slot back
            ratelimit.reserve_code_attempt().succeeded()
        for _ in range(3):  # failures keep theirs
            ratelimit.reserve_code_attempt()
        for _ in range(5):  # refused unchecked: not counted, still refused
            with pytest.raises(TooManyAttempts):
                ratelimit.reserve_code_attempt()


def test_a_password_attempt_refused_for_its_account_gives_back_the_address_slot(
    app: Flask,
) -> None:
    app.config["SIGN_IN_LIMIT_ACCOUNT"] = "1 per 15 minutes"
    app.config["SIGN_IN_LIMIT_IP"] = "2 per 15 minutes"
    with app.test_request_context("/staff/login", method="POST"):
        ratelimit.reserve_password_attempt("someone@example.org")
        for _ in range(3):
            with pytest.raises(TooManyAttempts):
                ratelimit.reserve_password_attempt("Someone@Example.org ")
        ratelimit.reserve_password_attempt("another@example.org")  # the address's 2nd slot
        with pytest.raises(TooManyAttempts):
            ratelimit.reserve_password_attempt("third@example.org")
