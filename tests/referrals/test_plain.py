"""Explanations in plain words: answer codes read as the question and the answer."""

from __future__ import annotations

import pytest

from referrals import decide_intake, plain_words


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("reg.2 = 1 (self-harm in the past month)", "Self-harm in the past month (yes)"),
        (
            "phq9.9 = 2",
            "“Thoughts that you would be better off dead or of hurting yourself in some way” "
            "(more than half the days)",
        ),
        (
            "safety.now refused (safe where they are right now not confirmed)",
            "Safe where they are right now not confirmed (",
        ),
        (
            "rship.4 not answered while rship.1 = 1 (partner violence not ruled out)",
            "Partner violence not ruled out (“Are you afraid of your partner?”: not answered; "
            "“Are you in a relationship with a partner right now?”: yes)",
        ),
        ("ASQ acute_positive", "ASQ acute positive"),
        ("EMDR: PC-PTSD-5 score 4 (positive at 3)", "EMDR: PC-PTSD-5 score 4 (positive at 3)"),
    ],
)
def test_stored_evidence_reads_in_plain_words(stored: str, shown: str) -> None:
    assert plain_words(stored).startswith(shown)


def test_an_item_no_definition_knows_is_left_as_it_was() -> None:
    assert plain_words("old.7 = 3 (something)") == "old.7 = 3 (something)"


def test_the_helpers_own_words_go_through_the_translation() -> None:
    spanish = {"prefer not to answer": "prefiere no responder"}
    shown = plain_words("phq9.9 refused", lambda words: spanish.get(words, words))
    assert shown.endswith(": prefiere no responder")


def test_no_answer_code_is_left_in_any_explanation_of_a_decision() -> None:
    decision = decide_intake(
        {"rship.1": 1, "rship.4": 1, "rship.5": None, "reg.2": 1, "safety.now": None},
        {},
        34,
    )
    for sentence in decision.explain():
        shown = plain_words(sentence)
        assert "rship." not in shown and "reg.2" not in shown and "safety.now" not in shown, shown
