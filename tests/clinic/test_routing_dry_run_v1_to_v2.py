"""`flask routing dry-run` lists what policy version 2 changes for intakes decided under version 1.

The seeded intakes are routed under the version 1 policy (its queue rules and
its built-in priority, rebuilt here as a rule set, since version 1's adult family
rule is no longer a valid rule file), stored as version 1 stored them, and then
tried under the shipped version 2 file.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.models import IntakeSubmission
from clinic.routing.record import record_routing
from referrals import DEFAULT_RULES_PATH, Priority, PriorityRule, RuleSet, load_rules
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def version_1_rules() -> RuleSet:
    """Policy version 1: no teen EMDR, adult family work despite partner risk, and
    priority only from acute risk (urgent) and suicide risk (priority)."""
    current = load_rules()
    rules = tuple(
        dataclasses.replace(rule, none_of=()) if rule.id == "adult-family" else rule
        for rule in current.rules
        if rule.id != "teen-emdr"
    )
    priority = (
        PriorityRule("urgent-acute", Priority.URGENT, 0, None, "Acute.", any_of=("acute",)),
        PriorityRule(
            "priority-suicide", Priority.PRIORITY, 0, None, "Suicide.", any_of=("suicide_risk",)
        ),
    )
    return RuleSet("clinical-default-1", rules, "version 1", priority)


def _version_1_flags(decision: dict[str, Any]) -> list[str]:
    """Version 1 flagged partner safety only when couples work was wanted."""
    facts = decision["facts"]
    both = facts["couples_interest"]["value"] and facts["partner_risk"]["value"]
    return ["partner_safety"] if both else []


@pytest.fixture
def decided_under_version_1(app: Flask) -> Iterator[dict[str, str]]:
    seeds: dict[str, dict[str, Any]] = {
        "teen_trauma": {
            "path": "teen_self",
            "subject_age": 15,
            "answers": {"safety.now": 1, **{f"cats_7_17.s{n}": 2 for n in range(1, 12)}},
        },
        "partner_harm_parenting": {
            "answers": {
                "safety.now": 1,
                "rship.1": 1,
                "rship.2": 0,
                "rship.4": 0,
                "rship.5": 1,
                "parent.1": 1,
                "parent.2": 1,
            }
        },
        "severe_symptoms": {
            "answers": {
                "safety.now": 1,
                **{f"phq9.{n}": 3 for n in range(1, 9)},
                "phq9.9": 0,
                **{f"gad7.{n}": 3 for n in range(1, 8)},
            }
        },
        "safety_refused": {"answers": {"safety.now": None}},
        "unchanged_trauma": {"answers": {"safety.now": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}}},
    }
    in_force = app.extensions["routing_rules"]
    app.extensions["routing_rules"] = version_1_rules()
    ids = {}
    try:
        for name, intake in seeds.items():
            submission = factories.submitted_intake(**intake)
            db.session.commit()
            record_routing(str(submission.id))
            stored = dict(submission.decision)
            submission.decision = {**stored, "flags": _version_1_flags(stored)}
            db.session.commit()
            ids[name] = str(submission.id)
    finally:
        app.extensions["routing_rules"] = in_force
    yield ids


def test_dry_run_lists_what_version_2_changes(
    app: Flask, decided_under_version_1: dict[str, str]
) -> None:
    ids = decided_under_version_1
    for submission_id in ids.values():
        submission = db.session.get(IntakeSubmission, uuid.UUID(submission_id))
        assert submission is not None and submission.rules_version == "clinical-default-1"

    result = app.test_cli_runner().invoke(
        args=["routing", "dry-run", "--rules", str(DEFAULT_RULES_PATH)]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sorted(lines[:-1]) == sorted(
        [
            f"{ids['teen_trauma']}: intake (routine) -> emdr (routine)",
            f"{ids['partner_harm_parenting']}: family (routine) -> intake (priority) "
            "[partner_safety]",
            f"{ids['severe_symptoms']}: intake (routine) -> intake (priority) [severe_symptoms]",
            f"{ids['safety_refused']}: intake (routine) -> intake (priority) [safety_unknown]",
        ]
    )
    assert lines[-1] == (
        "4 of 5 intake(s) would change under rule set clinical-default-2 "
        "(in force: clinical-default-2). Nothing was changed."
    )
    unchanged = db.session.get(IntakeSubmission, uuid.UUID(ids["unchanged_trauma"]))
    assert unchanged is not None and unchanged.rules_version == "clinical-default-1"
