"""Staff accounts with the authenticator set up, signing in as a browser would, referrals."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

import pyotp
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, ReferralEvent, StaffUser
from clinic.models.columns import utcnow
from clinic.routing.record import store_flags
from tests import factories
from tests.support.html import csrf_token

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

ITQ_ITEMS = [f"itq.p{n}" for n in range(1, 10)] + [f"itq.c{n}" for n in range(1, 10)]
EVERY_ADULT_FLAG: dict[str, int | None] = {
    "safety.now": None,  # safety_unknown
    "rship.1": 1,  # partner_safety
    "rship.2": 0,
    "rship.3": 0,
    "rship.4": 1,
    "rship.5": 0,
    **dict(zip([f"phq9.{n}" for n in range(1, 10)], [3, 3, 3, 3, 3, 3, 2, 0, 0], strict=True)),
    "auditc.1": 4,  # alcohol_use
    "auditc.2": 0,
    "auditc.3": 0,
    **{f"pcptsd5.{n}": 1 for n in range(6)},  # trauma exposure: the ITQ is asked
    **{item: 2 if item[-1] in "1357" else 0 for item in ITQ_ITEMS},  # cptsd
}
"""An adult intake raising every adult flag (PHQ-9 total 20: severe_symptoms)."""


def staff(
    role: str = "intake_coordinator",
    *,
    email: str | None = None,
    queues: tuple[str, ...] = (),
    is_admin: bool = False,
    name: str | None = None,
) -> StaffUser:
    """An account whose authenticator app is set up with SECRET."""
    user = factories.staff_user(
        email=email or f"{role}-{uuid.uuid4().hex[:6]}@example.org",
        display_name=name or role.replace("_", " ").title(),
        role=role,
        queues=queues,
        is_admin=is_admin,
    )
    user.mfa_secret = SECRET
    user.mfa_confirmed_at = utcnow()
    db.session.commit()
    return user


def current_code(user: StaffUser) -> str:
    """A code the app would show now; the last accepted step is forgotten first (a new
    test device), since a code is accepted only once."""
    db.session.refresh(user)  # the step its last request accepted, not a stale one
    user.mfa_last_step = None
    db.session.commit()
    return pyotp.TOTP(SECRET).now()


def sign_in(client: FlaskClient, user: StaffUser, next_url: str = "") -> str:
    """Password, then code; returns where the browser was sent at the end."""
    url = "/staff/login" + (f"?next={next_url}" if next_url else "")
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={"email": user.email, "password": factories.STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    token = csrf_token(client, response.location)
    response = client.post(
        response.location, data={"code": current_code(user), "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


REACHABLE = {
    "language": "en",
    "email": "client@example.org",
    "phone": "555 010 0000",
    "channels": {
        "email": {"allowed": True, "mention_clinic": False},
        "phone": {"allowed": True, "leave_message": False, "mention_clinic": False},
        "text": {"allowed": True, "mention_clinic": False},
    },
}
"""Contact wishes allowing every channel (no voicemail), so contact attempts can be logged."""


def referral(
    queue: str = "intake",
    *,
    priority: str = "routine",
    status: str = "new",
    submission: Any = None,
    **fields: Any,
) -> Referral:
    """A referral of a submitted intake, as routing writes it (explanation included)."""
    submission = submission or factories.submitted_intake(contact=REACHABLE)
    made = Referral(
        submission_id=submission.id,
        queue=queue,
        priority=priority,
        status=status,
        explanation={"rule_ids": ["test"], "facts": {}, "sentence": f"{queue}: test referral"},
        **fields,
    )
    db.session.add(made)
    db.session.flush()
    db.session.add(ReferralEvent(referral_id=made.id, kind="created", to_status="new"))
    db.session.commit()
    return made


def decided(
    submission: IntakeSubmission,
    flags: Iterable[str],
    rules_version: str = "clinical-default-1",
) -> IntakeSubmission:
    """Give a submitted intake a stored decision raising these flags, recorded as routing
    records one (the encrypted document, its rules version and the flag rows)."""
    flags = sorted(set(flags))
    submission.decision = {
        "rules_version": rules_version,
        "subject_age": 34,
        "priority": "priority",
        "priority_because": [],
        "flags": flags,
        "referrals": [],
        "notes": [],
        "facts": {},
        "explanation": [],
    }
    submission.rules_version = rules_version
    submission.status = "routed"
    store_flags(submission, flags)
    db.session.commit()
    return submission


def flagged_referral(queue: str = "intake", flags: Iterable[str] = (), **fields: Any) -> Referral:
    """A referral of an intake whose stored decision raised these flags."""
    return referral(queue, submission=decided(factories.submitted_intake(), flags), **fields)


def row_of(page: str, made: Referral) -> str:
    """The dashboard table row of one referral (fails when it is not on the page)."""
    match = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{str(made.id)[:8]}.*?</tr>", page, re.S)
    assert match, f"referral {str(made.id)[:8]} is not on the page"
    return match.group(0)


def page_text(client: FlaskClient, url: str) -> str:
    response = client.get(url, follow_redirects=True)
    return response.get_data(as_text=True)


def flashes(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="notice notice-\w+"[^>]*>([^<]+)<', html)]
