"""`flask demo setup` and `flask demo logins`: the development demo (never production).

The first run creates the demo coordinator, one clinician per specialist queue and a
dozen synthetic intakes across the three paths and the three priorities, which the
worker routes like any other. Every demo account's address and every synthetic
client's name and address say "demo", so nothing here passes for a real person.

Demo passwords are derived from the instance's SECRET_KEY, so `flask demo logins`
can print them again without storing them anywhere (a password changed since is
not shown again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import StaffUser
from clinic.models.unit_of_work import reported_after_commit
from clinic.staff.services import create_staff_user
from referrals.queues import QUEUES

demo_cli = AppGroup("demo", help="The development demo.")

DEMO_DOMAIN = "demo.clinic.invalid"
DEMO_EMAIL = f"coordinator@{DEMO_DOMAIN}"
GENERAL_QUEUE = "intake"
CLINICIANS = tuple(queue for queue in QUEUES if queue != GENERAL_QUEUE)

CALM_ADULT = {"safety.now": 1, "rel.2": 1, **{f"apgar.{i}": 2 for i in range(1, 6)}}
ASQ_NO = {f"asq.{i}": 0 for i in range(1, 5)}
PTSD = {f"pcptsd5.{i}": 1 for i in range(6)}
# (path, age, answers): urgent, priority and routine intakes on each path.
SYNTHETIC: tuple[tuple[str, int, Mapping[str, int | None]], ...] = (
    ("adult_self", 34, {"safety.now": 0}),
    ("adult_self", 41, {**CALM_ADULT, **ASQ_NO, "asq.1": 1, "asq.5": 0}),
    ("adult_self", 29, {**CALM_ADULT, **PTSD, **ASQ_NO}),
    ("adult_self", 52, {**CALM_ADULT, **ASQ_NO, "rship.1": 1, "rship.4": 1}),
    ("adult_self", 63, {**CALM_ADULT, **ASQ_NO}),
    ("teen_self", 15, {"safety.now": 1, **ASQ_NO, "asq.2": 1, "asq.5": 1}),
    ("teen_self", 16, {"safety.now": 1, **ASQ_NO, "reg.2": 1}),
    ("teen_self", 13, {"safety.now": 1, **ASQ_NO, "cats_7_17.e4": 1}),
    ("teen_self", 17, {"safety.now": 1, **ASQ_NO}),
    ("caregiver_child", 5, {"safety.now": 0}),
    ("caregiver_child", 9, {"safety.now": 1, "child.3": 1}),
    ("caregiver_child", 4, {"safety.now": 1, "child.1": 0}),
)


def demo_password(email: str) -> str:
    """The demo account's password, derived from this instance's SECRET_KEY."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"demo-login:{email}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def boxed(lines: Sequence[str]) -> str:
    """Lines in a box, so they stand out among the servers' start-up lines."""
    width = max(len(line) for line in lines)
    rule = "─" * (width + 2)
    body = [f"│ {line.ljust(width)} │" for line in lines]
    return "\n".join([f"┌{rule}┐", *body, f"└{rule}┘"])


def _refuse_production() -> None:
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("the demo is for development only")


def _logins(users: Sequence[StaffUser]) -> str:
    lines = ["Demo staff logins (development only; `flask demo logins` shows them again)", ""]
    for user in users:
        queues = ", ".join(user.queues) if user.queues else "all queues"
        lines.append(f"{user.email}  {demo_password(user.email)}  ({user.role}: {queues})")
    return boxed(lines)


@demo_cli.command("setup")
@reported_after_commit
def demo_setup() -> str | None:
    """Development only, first run only: demo staff and synthetic intakes; prints the
    logins once."""
    _refuse_production()
    if db.session.scalar(select(func.count()).select_from(StaffUser)):
        return None
    users = [
        create_staff_user(
            email=DEMO_EMAIL,
            display_name="Demo coordinator",
            password=demo_password(DEMO_EMAIL),
            role="intake_coordinator",
        )
    ]
    for queue in CLINICIANS:
        email = f"{queue}@{DEMO_DOMAIN}"
        users.append(
            create_staff_user(
                email=email,
                display_name=f"Demo clinician ({QUEUES[queue].name})",
                password=demo_password(email),
                role="clinician",
                queues=[queue],
            )
        )
    for number, (path, age, answers) in enumerate(SYNTHETIC, start=1):
        submit_intake(path=path, subject_age=age, answers=answers, contact=_contact(number))
    return (
        "\n" + _logins(users) + f"\n{len(SYNTHETIC)} synthetic demo intakes queued for routing.\n"
    )


def _contact(number: int) -> dict[str, object]:
    """A synthetic client: the name and address say it is demo data."""
    return {
        "language": "en",
        "name": f"DEMO client {number} (synthetic)",
        "email": f"client{number}@{DEMO_DOMAIN}",
        "channels": {
            "email": {"allowed": True, "mention_clinic": False},
            "phone": {"allowed": False, "leave_message": False, "mention_clinic": False},
            "text": {"allowed": False, "mention_clinic": False},
        },
    }


@demo_cli.command("logins")
def demo_logins() -> None:
    """Development only: print the demo accounts' logins again."""
    _refuse_production()
    users = db.session.scalars(
        select(StaffUser)
        .where(StaffUser.email.endswith(f"@{DEMO_DOMAIN}"))
        .order_by(StaffUser.email)
    ).all()
    if not users:
        raise click.ClickException(
            "no demo accounts: `flask demo setup` makes them on a new database"
        )
    click.echo(_logins(users))


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_cli)
