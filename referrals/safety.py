"""The safety pathway check the web intake runs after every step.

docs/clinical-policy.md "Safety pathway": whenever an answer makes `suicide_risk`
or `acute` true, the very next page shows crisis resources; an answer that reports
partner harm (`rship.4` or `rship.5` = 1) is followed by a support page with the
domestic-violence line, and one that makes `abuse_disclosed` true by a page with
the child-abuse line. This needs only the answers so far; the ASQ is scored here
so its refusal rules apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import forms
from referrals.facts import Answers, Fact, ScoreLike, acute_evidence, suicide_risk_evidence

_PARTNER_HARM_ANSWERS: Final[Mapping[str, str]] = {
    "rship.4": "afraid of the partner",
    "rship.5": "partner hurt, threatened or controlled them in the past year",
}
_ABUSE_EVENTS: Final[Mapping[str, str]] = {
    "e4": "hurt in the family",
    "e6": "saw violence in the family",
    "e8": "sexual abuse",
    "e9": "sexual abuse",
}
_CATS_VERSIONS: Final = ("cats_3_6", "cats_7_17")
_ADULT_AGE: Final = 18


@dataclass(frozen=True, slots=True)
class SafetyCheck:
    """The safety facts from the answers so far."""

    suicide_risk: Fact
    acute: Fact
    partner_harm: Fact
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


def _yes_answers(answers: Answers, meanings: Mapping[str, str]) -> list[str]:
    return [
        f"{item} = 1 ({meaning})" for item, meaning in meanings.items() if answers.get(item) == 1
    ]


def _abuse_evidence(answers: Answers, subject_age: int | None) -> list[str]:
    """Subject under 18 and any of CATS e4, e6, e8, e9 = 1 (either CATS version)."""
    if subject_age is None or subject_age >= _ADULT_AGE:
        return []
    return [
        line
        for version in _CATS_VERSIONS
        for line in _yes_answers(
            answers, {f"{version}.{event}": meaning for event, meaning in _ABUSE_EVENTS.items()}
        )
    ]


def safety_check(answers: Answers, subject_age: int | None = None) -> SafetyCheck:
    """Which safety facts the answers so far make true, and why."""
    asq_answers = {key: value for key, value in answers.items() if key.startswith("asq.")}
    scores: dict[str, ScoreLike] = {"asq": forms.score("asq", asq_answers)} if asq_answers else {}
    suicide_risk = suicide_risk_evidence(answers, scores)
    acute = acute_evidence(answers, scores)
    partner_harm = _yes_answers(answers, _PARTNER_HARM_ANSWERS)
    abuse = _abuse_evidence(answers, subject_age)
    return SafetyCheck(
        suicide_risk=Fact("suicide_risk", bool(suicide_risk), tuple(suicide_risk)),
        acute=Fact("acute", bool(acute), tuple(acute)),
        partner_harm=Fact("partner_harm", bool(partner_harm), tuple(partner_harm)),
        abuse_disclosed=Fact("abuse_disclosed", bool(abuse), tuple(abuse)),
    )
