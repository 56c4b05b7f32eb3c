"""Safety pathway: which answers call for the partner-harm and child-abuse support pages."""

from __future__ import annotations

import pytest

from referrals import safety_check


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({"rship.4": 1}, True),
        ({"rship.5": 1}, True),
        ({"rship.1": 1, "rship.4": 0, "rship.5": 0}, False),
        ({"rship.1": 1, "rship.4": None, "rship.5": None}, False),  # refused: not a disclosure
        ({}, False),
    ],
)
def test_partner_harm_answered_yes_calls_for_the_partner_support_page(
    answers: dict[str, int | None], shown: bool
) -> None:
    check = safety_check(answers, 34)
    assert check.show_partner_support_page is shown
    assert check.partner_harm.value is shown
    assert not check.show_abuse_support_page


@pytest.mark.parametrize("version", ["cats_3_6", "cats_7_17"])
@pytest.mark.parametrize("event", ["e4", "e6", "e8", "e9"])
def test_a_child_abuse_event_calls_for_the_abuse_support_page(version: str, event: str) -> None:
    check = safety_check({f"{version}.{event}": 1}, 9)
    assert check.show_abuse_support_page and check.abuse_disclosed.value
    assert not check.show_partner_support_page and not check.show_crisis_page


@pytest.mark.parametrize(
    ("answers", "age"),
    [
        ({"cats_7_17.e4": 0, "cats_7_17.e6": None, "cats_7_17.e8": 0, "cats_7_17.e9": 0}, 12),
        ({"cats_7_17.e1": 1, "cats_7_17.e5": 1, "cats_7_17.e7": 1}, 12),  # other events
        ({"cats_7_17.e8": 1}, 18),  # not a child
    ],
)
def test_no_abuse_support_page_otherwise(answers: dict[str, int | None], age: int | None) -> None:
    assert not safety_check(answers, age).show_abuse_support_page
