"""Small builders shared by the referral tests."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

import forms
from referrals import Facts, ScoreLike

INSTRUMENTS = (
    "ace",
    "phq9",
    "gad7",
    "pcptsd5",
    "itq",
    "pcl5",
    "asq",
    "auditc",
    "apgar",
    "cats_3_6",
    "cats_7_17",
    "psc17",
)

needs_forms_score = pytest.mark.skipif(
    not hasattr(forms, "score"), reason="forms.score is not built yet"
)


def facts_of(*names: str) -> Facts:
    """Facts with `names` true, each with the evidence '<name> evidence'."""
    return Facts({name: [f"{name} evidence"] for name in names})


def scores_for(answers: Mapping[str, int | None]) -> dict[str, ScoreLike]:
    """Score, with the real forms.score, every instrument that has answers."""
    present = {key.split(".")[0] for key in answers}
    return {
        instrument: forms.score(
            instrument, {k: v for k, v in answers.items() if k.startswith(f"{instrument}.")}
        )
        for instrument in INSTRUMENTS
        if instrument in present
    }
