"""The safety pathway checks the web intake runs after every step.

docs/clinical-policy.md "Safety pathway": whenever an answer makes
`suicide_risk` or `acute` true, the very next page shows crisis resources; a
partner-harm answer is followed by the domestic-violence support page, and an
answer that discloses abuse of a child by the child-abuse support page. This
needs only the answers so far; the ASQ is scored here so its refusal rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import forms
from referrals.facts import (
    Answers,
    Fact,
    ScoreLike,
    abuse_disclosed_evidence,
    acute_evidence,
    partner_harm_evidence,
    suicide_risk_evidence,
)


@dataclass(frozen=True, slots=True)
class SafetyCheck:
    """The safety facts from the answers so far."""

    suicide_risk: Fact
    acute: Fact
    partner_harm: Fact
    """rship.4 = 1 or rship.5 = 1: partner risk said in so many words (not a refusal)."""
    abuse_disclosed: Fact

    @property
    def show_crisis_page(self) -> bool:
        return self.suicide_risk.value or self.acute.value

    @property
    def show_partner_support_page(self) -> bool:
        return self.partner_harm.value

    @property
    def show_abuse_support_page(self) -> bool:
        return self.abuse_disclosed.value


def _fact(name: str, evidence: list[str]) -> Fact:
    return Fact(name, bool(evidence), tuple(evidence))


def safety_check(answers: Answers, subject_age: int | None = None) -> SafetyCheck:
    """The safety facts the answers so far make true, and why."""
    asq_answers = {key: value for key, value in answers.items() if key.startswith("asq.")}
    scores: dict[str, ScoreLike] = {"asq": forms.score("asq", asq_answers)} if asq_answers else {}
    return SafetyCheck(
        suicide_risk=_fact("suicide_risk", suicide_risk_evidence(answers, scores)),
        acute=_fact("acute", acute_evidence(answers, scores, in_progress=True)),
        partner_harm=_fact("partner_risk", partner_harm_evidence(answers)),
        abuse_disclosed=_fact("abuse_disclosed", abuse_disclosed_evidence(answers, subject_age)),
    )
