"""Wording that must follow the published forms (clinical policy version 2 fixes)."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(
    ("path", "age", "section"),
    [
        ("caregiver_child", 4, "cats_3_6"),
        ("caregiver_child", 9, "cats_7_17"),
        ("teen_self", 14, "cats_7_17"),
    ],
)
def test_cats_content_note_says_events_are_yes_no_and_reactions_never_to_almost_always(
    path: str, age: int, section: str
) -> None:
    steps = [s for s in flow_for(path, age).steps if s.section == section]
    note = steps[0].content_note
    assert note is not None and "yes or no" in note
    assert 'from "never" to "almost always"' in note
    symptoms = [s for s in steps if "symptoms" in s.id]
    labels = {o.label for s in symptoms for q in s.questions for o in q.options}
    assert {"Never", "Almost always"} <= labels  # what the note names is what is offered
    spanish = next(s for s in flow_for(path, age, language="es").steps if s.section == section)
    assert spanish.content_note is not None and '"nunca" (Never)' in spanish.content_note
    assert '"casi siempre" (Almost always)' in spanish.content_note


def test_each_cats_definition_names_the_form_and_event_list_it_follows() -> None:
    young = get_definition("cats_3_6").form_version
    older = get_definition("cats_7_17").form_version
    assert young is not None and older is not None
    assert young.default.startswith("CATS Caregiver Report (ages 3-6 years)")
    assert older.for_path("teen_self").startswith("CATS Self-Report (ages 7-17 years)")
    assert older.for_path("caregiver_child").startswith("CATS Caregiver Report (ages 7-17 years)")
    for text in (young.default, *older.variants.values(), older.default):
        assert "Sachser et al. 2017" in text and "original event list of 15 events" in text


def test_cats_7_17_caregiver_report_uses_the_caregiver_forms_own_wording() -> None:
    def symptoms(path: str, age: int) -> dict[str, str]:
        steps = [s for s in flow_for(path, age).steps if s.id.startswith("cats_7_17-symptoms")]
        return {q.id: q.text for s in steps for q in s.questions}

    caregiver, teen = symptoms("caregiver_child", 10), symptoms("teen_self", 14)
    assert len(caregiver) == len(teen) == 20
    assert caregiver["cats_7_17.s1"] == (
        "Upsetting thoughts or images about a stressful event. Or re-enacting a stressful event in "
        "play."
    )
    assert teen["cats_7_17.s1"].startswith("Upsetting thoughts or pictures about what happened")
    assert caregiver["cats_7_17.s3"].startswith("Acting, playing or feeling as if a stressful")
    for item in [f"cats_7_17.s{i}" for i in range(1, 8)]:
        assert "a stressful event" in caregiver[item], item
    reworded = ("his/her", "he/she", "himself/herself", "you ", "your ")
    for item, text in caregiver.items():
        assert not any(marker in text for marker in reworded), (item, text)
    assert sum(caregiver[i] != teen[i] for i in caregiver) >= 18
