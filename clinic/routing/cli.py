"""`flask routing explain`, `dry-run` and `backfill-flags`: read decisions, test a new policy,
and give intakes routed before the `submission_flag` table their flag rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission
from clinic.models.documents import DecisionDocument, answers_of, decision_of
from clinic.models.unit_of_work import reported_after_commit, unit_of_work
from clinic.routing.record import score_and_decide, store_flags
from clinic.security import audit
from referrals import RuleFileError, load_rules

routing_cli = AppGroup("routing", help="Read routing decisions and try a new rule file.")

DECIDED = ("routed", "needs_review")
BACKFILL_BATCH = 500


def _outcome(decision: DecisionDocument | None) -> str:
    if decision is None:
        return "not decided"
    queues = ", ".join(str(r.queue) for r in decision.referrals)
    flags = f" [{', '.join(decision.flags)}]" if decision.flags else ""
    return f"{queues} ({decision.priority}){flags}"


def _explanation_lines(submission: IntakeSubmission) -> Iterable[str]:
    yield f"Intake {submission.id}: {submission.path}, {submission.status}"
    if submission.routing_error:
        yield f"Could not be routed automatically: {submission.routing_error}"
    decision = decision_of(submission)
    if decision is None:
        return
    yield f"Rule set {decision.rules_version}; decided: {_outcome(decision)}"
    yield from (f"  {sentence}" for sentence in decision.explanation)
    yield "Facts:"
    for name, fact in decision.facts.items():
        evidence = "; ".join(fact.evidence) if fact.value else ""
        yield f"  {name}: {'yes' if fact.value else 'no'}{f' ({evidence})' if evidence else ''}"


@routing_cli.command("explain")
@click.argument("submission_id")
@reported_after_commit
def explain(submission_id: str) -> str:
    """Print the facts and the routing decision of one intake in plain words."""
    try:
        key = uuid.UUID(submission_id)
    except ValueError as exc:
        raise click.ClickException(f"{submission_id} is not an intake id") from exc
    submission = db.session.get(IntakeSubmission, key)
    if submission is None:
        raise click.ClickException(f"no intake {submission_id}")
    audit.record("routing.explained", target_type="submission", target_id=key, actor_kind="cli")
    return "\n".join(_explanation_lines(submission))


@routing_cli.command("dry-run")
@click.option(
    "--rules",
    "rules_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The rule file to try.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only intakes submitted on or after this date (YYYY-MM-DD).",
)
def dry_run(rules_path: str, since: datetime | None) -> None:
    """Decide stored intakes again under another rule file and print what would change.

    Nothing is written: the current rules stay in force, and the command has no
    unit of work (nothing of its session is ever committed).
    """
    try:
        rules = load_rules(rules_path)
    except RuleFileError as exc:
        raise click.ClickException(str(exc)) from exc
    query = select(IntakeSubmission).where(IntakeSubmission.status.in_(DECIDED))
    if since is not None:
        query = query.where(IntakeSubmission.submitted_at >= since.replace(tzinfo=UTC))
    checked = changed = 0
    for submission in db.session.scalars(query.order_by(IntakeSubmission.submitted_at)):
        checked += 1
        before = _outcome(decision_of(submission))
        try:
            _, decision = score_and_decide(submission.path, answers_of(submission), rules)
            after = _outcome(DecisionDocument.of(decision))
        except Exception as exc:  # shown, as the real routing would send it to review
            after = f"needs review ({type(exc).__name__})"
        if after != before:
            changed += 1
            click.echo(f"{submission.id}: {before} -> {after}")
    current = current_app.extensions["routing_rules"].version
    click.echo(
        f"{changed} of {checked} intake(s) would change under rule set {rules.version} "
        f"(in force: {current}). Nothing was changed."
    )


@routing_cli.command("backfill-flags")
@reported_after_commit
def backfill_flags() -> str:
    """Write the flag rows of every routed intake from its stored decision (safe to repeat).

    The stored decisions are not changed: each keeps the flags (and the rule set
    version) it was made with. Each batch of BACKFILL_BATCH intakes is a unit of work
    of its own.
    """
    ids = list(
        db.session.scalars(
            select(IntakeSubmission.id)
            .where(IntakeSubmission.status == "routed")
            .order_by(IntakeSubmission.id)
        )
    )
    flagged = 0
    for start in range(0, len(ids), BACKFILL_BATCH):
        with unit_of_work():
            flagged += _store_flags_of(ids[start : start + BACKFILL_BATCH])
        db.session.expunge_all()
    audit.record(
        "routing.flags_backfilled",
        actor_kind="cli",
        detail={"intakes": len(ids), "flagged": flagged},
    )
    return f"Flag rows written for {len(ids)} routed intake(s); {flagged} carry a flag."


def _store_flags_of(ids: list[uuid.UUID]) -> int:
    """Write the flag rows of these intakes; how many carry a flag."""
    flagged = 0
    for submission in db.session.scalars(
        select(IntakeSubmission).where(IntakeSubmission.id.in_(ids))
    ):
        decision = decision_of(submission)
        flags = decision.flags if decision is not None else []
        store_flags(submission, flags)
        flagged += bool(flags)
    return flagged


def register(app: Flask) -> None:
    app.cli.add_command(routing_cli)
