"""Wording that must follow the published forms (clinical policy version 2 fixes)."""

from __future__ import annotations

from forms import flow_for, get_definition


def test_itq_opens_with_the_experience_that_troubles_you_most_without_writing_it_down() -> None:
    first = next(s for s in flow_for("adult_self", 30).steps if s.section == "itq")
    assert first.id == "itq-ptsd"
    assert first.instructions.startswith(
        "Please identify the experience that troubles you most and answer the questions in "
        "relation to this experience."
    )
    assert "you do not need to write it down" in first.instructions
    assert get_definition("itq").instructions.default.startswith("Please identify the experience")


def test_audit_c_asks_about_the_past_year_and_says_what_a_standard_drink_is() -> None:
    auditc = next(s for s in flow_for("adult_self", 30).steps if s.id == "auditc")
    assert "in the past year" in auditc.instructions
    assert "One standard drink is a 12-ounce can or bottle of regular beer" in auditc.instructions
    assert all(q.text.endswith("in the past year?") for q in auditc.questions)
    assert [o.label for o in auditc.questions[1].options][3] == "7, 8, or 9"
    assert get_definition("auditc").time_frame == "past year"


def test_family_apgar_affection_reads_affection_and_love() -> None:
    items = get_definition("apgar").items_by_id
    assert items["apgar.4"].text.default.endswith("such as anger, sorrow, and love.")
    assert "affection" in items["apgar.4"].text.default
    assert items["apgar.5"].text.default == (
        "I am satisfied with the way my family and I share time together."
    )
