"""Safe-contact wishes: how, when, and whether; the contact document notifications obey."""

from __future__ import annotations

import pytest

from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker, main_form

pytestmark = pytest.mark.usefixtures("app_context")


def test_the_contact_document_records_every_wish(walker: IntakeWalker) -> None:
    walker.start("teen_self", 16)
    walker.contact(
        phone_allowed="y",
        phone="  555 010 2000 ",
        phone_leave_message="y",
        text_allowed="y",
        text_mention_clinic="y",
        email="never@example.org",  # not asked: email is not allowed
        email_mention_clinic="y",  # not asked either
        safe_times=["weekday_evening", "weekend"],
        name="Sam",
        caregiver_contact_ok="no",
    )
    assert walker.screen() == "safety"  # teenagers are not asked about sex
    contact = only_submission().contact
    assert contact == {
        "language": "en",
        "name": "Sam",
        "email": None,
        "phone": "555 010 2000",
        "channels": {
            "email": {"allowed": False, "mention_clinic": False},
            "phone": {"allowed": True, "leave_message": True, "mention_clinic": False},
            "text": {"allowed": True, "mention_clinic": True},
        },
        "safe_times": ["weekday_evening", "weekend"],
        "caregiver_contact_ok": False,
        "resume_email_ok": False,
    }


def test_none_means_every_channel_is_not_allowed(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.contact(no_contact="y")
    contact = only_submission().contact
    assert not any(channel["allowed"] for channel in contact["channels"].values())
    assert contact["caregiver_contact_ok"] is None  # asked of teenagers only


def test_a_choice_is_needed_and_each_chosen_way_needs_its_detail(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.contact(name="")  # nothing chosen
    assert "Please choose at least one way to contact you" in walker.html
    assert '<a href="#phone_allowed">' in walker.html
    walker.contact(no_contact="y", email_allowed="y", email="a@example.org")
    assert "Please choose one." in walker.html
    walker.contact(text_allowed="y", email_allowed="y")
    assert walker.screen() == "contact-phone"  # each chosen way's details on its own screen
    assert "Please give a phone number, for calls or texts." in walker.html
    form = main_form(walker.html)
    walker.post(form.action, {**form.hidden, "action": "continue", "phone": "555 010 2000"})
    assert walker.screen() == "contact-email"
    form = main_form(walker.html)
    walker.post(form.action, {**form.hidden, "action": "continue", "email": "not an address"})
    page = walker.html
    assert "Please give an email address like name@example.com." in page
    assert 'aria-describedby="email-error"' in page
    assert 'value="not an address"' in page  # what was typed is kept
    assert only_submission().contact["email"] is None


def test_teenagers_are_asked_whether_a_caregiver_may_be_contacted(walker: IntakeWalker) -> None:
    walker.start("teen_self", 13)
    walker.contact(no_contact="y", caregiver_contact_ok="prefer_not_to_answer")
    assert only_submission().contact["caregiver_contact_ok"] is None
    walker.get("/intake/step/2")
    assert "May we contact a parent or carer of yours?" in walker.html
    assert 'checked id="caregiver_contact_ok-2"' in walker.html  # the choice is shown again


def test_the_adult_path_asks_sex_only_for_the_alcohol_questions(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.contact()
    assert walker.heading() == "A little about you"
    assert "Only to read your answers about alcohol correctly" in walker.html
    walker.about("prefer_not_to_answer")
    assert only_submission().answers["sex"] is None
    walker.get("/intake/step/3")
    walker.about("male")
    assert only_submission().answers["sex"] == "male"
