"""Safety pathway (docs/clinical-policy.md): crisis resources on the very next page;
leaving still submits."""

from __future__ import annotations

import pytest

from clinic.broker.names import TaskNames
from tests.clinic.intake.helpers import audit_actions, only_submission, outbox_rows
from tests.clinic.intake.walker import IntakeWalker, page_forms

pytestmark = pytest.mark.usefixtures("app_context")

SUPPORT = "/intake/support"


def assert_support_page(walker: IntakeWalker) -> None:
    assert walker.path == SUPPORT
    page = walker.html
    assert walker.heading() == "Support is available, any time"
    for words in ("Call or text 988", 'href="tel:988"', "988lifeline.org", "call 911"):
        assert words in page, words
    assert "Continue the form" in page
    assert "Leave now" in page
    assert "we will still send what you have answered so far to our team" in page


@pytest.mark.parametrize(
    ("path", "age", "section", "answers"),
    [
        ("adult_self", 30, "asq-screen", {"asq.1": 1}),
        ("adult_self", 30, "phq9", {"phq9.9": 1}),
        ("adult_self", 30, "safety", {"safety.now": 0}),
        ("adult_self", 30, "reg", {"reg.2": 1}),
        ("teen_self", 14, "asq-screen", {"asq.3": 1}),
        ("caregiver_child", 8, "child", {"child.3": 1}),
    ],
)
def test_a_risk_answer_shows_crisis_resources_on_the_very_next_page(
    walker: IntakeWalker, path: str, age: int, section: str, answers: dict[str, int]
) -> None:
    walker.start(path, age)
    walker.walk_to(section.split("-")[0])
    if walker.on_note():
        walker.note()
    assert walker.screen() == section
    walker.answer(answers)
    assert_support_page(walker)
    assert only_submission().crisis_shown_at is not None


def test_calm_answers_never_show_the_support_page(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk()
    assert walker.path == "/intake/review"
    assert SUPPORT not in walker.visited
    assert only_submission().crisis_shown_at is None


def test_continuing_goes_on_with_the_form_and_the_page_is_not_shown_again(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("asq")
    walker.note()
    walker.answer({"asq.2": 1})
    assert_support_page(walker)
    walker.get("/intake/continue")
    assert walker.screen() == "asq-acuity"
    walker.answer({"asq.5": 0})
    assert walker.path != SUPPORT  # the same risk, no new fact: no second interruption
    assert walker.note_section() is None and walker.screen() == "auditc"


def test_an_acute_answer_after_a_non_acute_one_shows_the_page_again(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("asq")
    walker.note()
    walker.answer({"asq.2": 1})
    walker.get("/intake/continue")
    walker.answer({"asq.5": 1})
    assert_support_page(walker)


def test_leaving_from_the_support_page_submits_the_partial_intake(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("phq9")
    walker.note()
    walker.answer({"phq9.9": 2})
    assert_support_page(walker)
    leave = next(f for f in page_forms(walker.html) if f.action.endswith("/support/leave"))
    walker.post(leave.action, leave.hidden)

    assert walker.path == "/intake/sent"
    assert "We have what you answered so far" in walker.html
    assert "Call or text 988" in walker.html
    submission = only_submission()
    assert (submission.status, submission.submitted_partial) == ("submitted", True)
    assert submission.answers["answers"]["phq9.9"] == 2
    assert "gad7.1" not in submission.answers["answers"]
    assert submission.resume_code_hash is None and submission.draft_expires_at is None
    [message] = outbox_rows()
    assert (message.kind, message.target_id) == (TaskNames.ROUTE_SUBMISSION, str(submission.id))
    assert audit_actions()[-1] == "submission.submitted"
    walker.get("/intake/step/1")
    assert walker.path == "/intake"  # the browser no longer holds the form


def test_skipping_the_suicide_questions_counts_as_a_risk_and_shows_the_page(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("asq")
    walker.note("skip")
    assert_support_page(walker)
    answers = only_submission().answers["answers"]
    assert {k: v for k, v in answers.items() if k.startswith("asq.")} == {
        "asq.1": None,
        "asq.2": None,
        "asq.3": None,
        "asq.4": None,
        "asq.5": None,
    }
