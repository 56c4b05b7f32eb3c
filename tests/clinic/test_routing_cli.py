"""`flask routing explain` and `flask routing dry-run`."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, Referral
from clinic.routing.record import record_routing
from referrals import DEFAULT_RULES_PATH
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}


def _routed(**intake: object) -> str:
    submission = factories.submitted_intake(**intake)
    db.session.commit()
    record_routing(str(submission.id))
    return str(submission.id)


def test_explain_prints_the_decision_and_facts_in_plain_words(app: Flask) -> None:
    submission_id = _routed(answers={"safety.now": 1, **PTSD_POSITIVE})

    result = app.test_cli_runner().invoke(args=["routing", "explain", submission_id])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Intake {submission_id}: adult_self, routed"
    assert lines[1] == "Rule set clinical-default-2; decided: emdr (routine)"
    assert "  EMDR: PC-PTSD-5 score 5 (positive at 3)" in lines
    assert "  ptsd_screen: yes (PC-PTSD-5 score 5 (positive at 3))" in lines
    assert "  suicide_risk: no" in lines
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "routing.explained" in actions


def test_explain_refuses_unknown_ids(app: Flask) -> None:
    runner = app.test_cli_runner()
    for value in ("nope", "00000000-0000-0000-0000-000000000000"):
        result = runner.invoke(args=["routing", "explain", value])
        assert result.exit_code != 0
        assert value in result.output


def test_dry_run_shows_what_a_new_policy_would_change_and_changes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    ptsd_id = _routed(answers={"safety.now": 1, **PTSD_POSITIVE})
    _routed(answers={"safety.now": 1})
    new_policy = DEFAULT_RULES_PATH.read_text().replace(
        'version: "clinical-default-2"', 'version: "no-emdr-1"'
    )
    new_policy = new_policy.replace("queue: emdr", "queue: intake")
    rules = tmp_path / "rules.yaml"
    rules.write_text(new_policy)

    result = app.test_cli_runner().invoke(args=["routing", "dry-run", "--rules", str(rules)])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{ptsd_id}: emdr (routine) -> intake (routine)",
        "1 of 2 intake(s) would change under rule set no-emdr-1 "
        "(in force: clinical-default-2). Nothing was changed.",
    ]
    assert sorted(db.session.scalars(select(Referral.queue))) == ["emdr", "intake"]


def test_dry_run_since_a_date_after_every_intake_checks_none(app: Flask) -> None:
    _routed(answers={"safety.now": 1})
    result = app.test_cli_runner().invoke(
        args=["routing", "dry-run", "--rules", str(DEFAULT_RULES_PATH), "--since", "2999-01-01"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 of 0 intake(s) would change")


def test_dry_run_refuses_a_broken_rule_file(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text('version: "x"\nrules:\n  - id: r1\n    queue: nowhere\n')
    result = app.test_cli_runner().invoke(args=["routing", "dry-run", "--rules", str(broken)])
    assert result.exit_code != 0
    assert "r1" in result.output
