"""The safety pathway check the web intake runs after every step.

CLINICAL.md "Safety pathway": whenever an answer makes `suicide_risk` or
`acute` true, the very next page shows crisis resources. This needs only the
answers so far; the ASQ is scored here so its refusal rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import forms
from referrals.facts import Answers, Fact, ScoreLike, acute_evidence, suicide_risk_evidence


@dataclass(frozen=True, slots=True)
class SafetyCheck:
    """The two safety facts from the answers so far."""

    suicide_risk: Fact
    acute: Fact

    @property
    def show_crisis_page(self) -> bool:
        return self.suicide_risk.value or self.acute.value


def safety_check(answers: Answers) -> SafetyCheck:
    """Whether the answers so far make `suicide_risk` or `acute` true, and why."""
    asq_answers = {key: value for key, value in answers.items() if key.startswith("asq.")}
    scores: dict[str, ScoreLike] = {"asq": forms.score("asq", asq_answers)} if asq_answers else {}
    suicide_risk = suicide_risk_evidence(answers, scores)
    acute = acute_evidence(answers, scores)
    return SafetyCheck(
        suicide_risk=Fact("suicide_risk", bool(suicide_risk), tuple(suicide_risk)),
        acute=Fact("acute", bool(acute), tuple(acute)),
    )
