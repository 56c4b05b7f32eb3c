"""One screen at a time: progress, Back and Continue, errors, content notes, drafts."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker

pytestmark = pytest.mark.usefixtures("app_context")


def progress(walker: IntakeWalker) -> tuple[int, int]:
    match = re.search(r"Step (\d+) of (?:up to )?(\d+)</p>", walker.html)
    assert match, walker.heading()
    bar = re.search(r'<progress max="(\d+)" value="(\d+)"', walker.html)
    assert bar and (bar.group(2), bar.group(1)) == match.groups()
    return int(match.group(1)), int(match.group(2))


def test_each_screen_shows_its_place_why_we_ask_and_back_and_continue(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 34)
    assert progress(walker) == (1, 28)  # every screen that may be asked, counted ahead
    assert walker.heading() == "How we may contact you"
    assert "Why we ask:" in walker.html
    for button in ('value="continue">Continue', 'value="back"', 'value="save"'):
        assert button in walker.html
    walker.contact()
    assert progress(walker) == (5, 28)  # no way chosen: no phone or email screen
    walker.about()
    assert progress(walker) == (6, 28)
    assert walker.screen() == "safety"
    assert "We ask so we can help straight away if you are not safe." in walker.html
    assert "<legend>Are you safe where you are right now?</legend>" in walker.html


def test_the_step_count_never_goes_backwards_when_branching_adds_steps(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("pcptsd5")
    walker.note()
    assert progress(walker) == (15, 28)
    walker.answer({"pcptsd5.0": 1})
    # Exposure reported: the symptom questions follow, and the ITQ may (not settled yet).
    assert progress(walker) == (16, 28)
    walker.answer(choose=lambda item, values: "0")
    assert walker.note_section() == "asq"
    assert progress(walker) == (21, 28)  # PC-PTSD-5 negative: the ITQ's 4 screens passed over
    walker.get("/intake/step/14")
    assert progress(walker) == (16, 28)
    walker.answer(choose=lambda item, values: "1")
    assert walker.note_section() == "itq"
    assert progress(walker) == (17, 28)  # positive now: the ITQ's screens, counted already


def test_back_keeps_the_answers_given_and_shows_them_again(walker: IntakeWalker) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("phq9")
    walker.note()
    walker.answer({"phq9.1": 2}, action="back", leave_out=("phq9.2",))
    assert walker.screen() == "apgar"
    walker.answer()
    assert walker.screen() == "phq9"  # its note was read already
    assert re.search(r'id="phq9\.1-2"[^>]*checked|checked[^>]*id="phq9\.1-2"', walker.html)
    draft = only_submission()
    assert draft.answers["answers"]["phq9.1"] == 2
    assert "phq9.2" not in draft.answers["answers"]


def test_unanswered_questions_are_listed_in_an_error_summary(walker: IntakeWalker) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("gad7")
    walker.answer(leave_out=("gad7.3", "gad7.4"))
    page = walker.html
    assert walker.response is not None and walker.response.status_code == 200
    assert walker.screen() == "gad7"
    assert "<title>Error: Step 13 of up to 28" in page
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in page
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert re.findall(r'href="#([^"]+)"', summary) == ["gad7.3-0", "gad7.4-0"]
    assert 'aria-describedby="gad7.3-error"' in page
    assert 'id="gad7.3-error"' in page
    assert 'id="gad7.3-0"' in page
    assert "gad7.1" not in only_submission().answers["answers"]  # nothing saved


def test_prefer_not_to_answer_is_stored_as_none(walker: IntakeWalker) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("safety")
    walker.answer({"safety.now": None})
    assert only_submission().answers["answers"] == {"safety.now": None}


def test_drafts_are_saved_encrypted_after_every_screen(walker: IntakeWalker) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("ace")
    draft = only_submission()
    assert set(draft.answers["answers"]) == {"safety.now", *(f"rel.{i}" for i in range(1, 6))}
    for stored in (draft.answers_encrypted, draft.contact_encrypted):
        assert stored is not None
        assert "safety" not in stored and "rel." not in stored and "channels" not in stored
    assert draft.progress == {"done": ["contact", "contact-more", "about"], "notes_read": ["rel"]}


def test_screens_ahead_of_the_first_unanswered_one_cannot_be_opened(
    walker: IntakeWalker, client: FlaskClient
) -> None:
    walker.start("adult_self", 34)
    walker.contact()
    response = client.get("/intake/step/9")
    assert response.status_code == 302
    assert response.location == "/intake/step/3"


def test_a_content_note_comes_before_a_sensitive_section_and_it_can_be_skipped(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("rel")
    page = walker.html
    assert walker.note_section() == "rel"
    assert "Before you start this section" in page
    assert "You do not need to explain" in page
    assert "Skip this section" in page
    walker.note("skip")
    draft = only_submission()
    assert {k: v for k, v in draft.answers["answers"].items() if k.startswith("rel.")} == {
        "rel.1": None,
        "rel.2": None,
        "rel.3": None,
        "rel.4": None,
        "rel.5": None,
    }
    assert walker.note_section() == "ace"


def test_every_question_offers_prefer_not_to_answer(walker: IntakeWalker) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("phq9")
    walker.note()
    assert walker.screen() == "phq9"
    assert walker.html.count("Prefer not to answer</label>") == 5
    walker.answer({"phq9.1": None, "phq9.2": 3})
    assert walker.screen() == "phq9-2"
    assert walker.html.count("Prefer not to answer</label>") == 5
    walker.answer()
    assert walker.screen() == "gad7"
    assert walker.html.count("Prefer not to answer</label>") == 4
    saved = only_submission().answers["answers"]
    assert saved["phq9.1"] is None and saved["phq9.2"] == 3


def test_a_scored_section_can_be_skipped_from_its_content_note(walker: IntakeWalker) -> None:
    walker.start("adult_self", 34)
    walker.walk_to("phq9")
    assert 'value="skip"' in walker.html
    walker.note("skip")
    assert walker.screen() == "gad7"
    saved = only_submission().answers["answers"]
    assert [saved[f"phq9.{i}"] for i in range(1, 11)] == [None] * 10


def test_the_caregiver_path_asks_about_the_child_and_not_about_sex(walker: IntakeWalker) -> None:
    walker.start("caregiver_child", 5)
    assert progress(walker) == (1, 20)
    walker.contact()
    assert walker.screen() == "safety"
    assert "Is your child safe where they are right now?" in walker.html
