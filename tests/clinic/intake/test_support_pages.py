"""Safety pathway: the domestic-violence and child-abuse support pages, once each, in order."""

from __future__ import annotations

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.intake import drafts, support_pages
from clinic.intake.languages import SESSION_KEY as LANGUAGE_KEY
from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker

pytestmark = pytest.mark.usefixtures("app_context")

MORE = "/intake/support/more"
CRISIS = "/intake/support"


def assert_partner_page(walker: IntakeWalker) -> None:
    assert walker.path == MORE
    assert walker.heading() == "You deserve to be safe"
    page = walker.html
    for words in (
        "<title>Support if you need it – ",
        'href="tel:18007997233">Call 1-800-799-7233</a>',
        "The National Domestic Violence Hotline",
        'href="sms:88788?body=START">Text START to 88788</a>',
        'href="tel:911">In an emergency, call 911</a>',
        "use “Leave this site quickly” at the top of the page",
        "closes this form in this browser",
        "you will need a resume code",
        '<a class="button" href="/intake/continue">Continue the form</a>',
    ):
        assert words in page, words
    for words in ("must report", "988", "Childhelp", "Leave now"):
        assert words not in page, words


def assert_child_page(walker: IntakeWalker, *, teen: bool) -> None:
    assert walker.path == MORE
    assert walker.heading() == "Thank you for telling us"
    page = walker.html
    for words in (
        "<title>Support for children and families – ",
        'href="tel:18004224453">Call or text 1-800-422-4453</a>',
        "Childhelp National Child Abuse Hotline",
        'href="tel:911">In an emergency, call 911</a>',
        "the clinic may have to share that to keep them safe",
        "use “Leave this site quickly” at the top of the page",
        '<a class="button" href="/intake/continue">Continue the form</a>',
    ):
        assert words in page, words
    assert ("If someone has hurt you, it is not your fault" in page) is teen
    assert ("What you shared about your child is important" in page) is not teen
    assert "1-800-799-7233" not in page


def test_a_partner_harm_answer_shows_the_domestic_violence_page_next(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("rship")
    walker.note()
    walker.answer({"rship.1": 1})
    assert walker.screen() == "rship-details"
    walker.answer({"rship.4": 1})
    assert_partner_page(walker)
    assert CRISIS not in walker.visited

    walker.get("/intake/continue")
    assert walker.screen() == "parent-children"
    walker.walk()
    assert walker.path == "/intake/review"
    assert walker.visited.count(MORE) == 1


@pytest.mark.parametrize("item", ["rship.4", "rship.5"])
def test_the_page_is_shown_once_however_often_partner_harm_is_answered(
    walker: IntakeWalker, item: str
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("rship")
    walker.note()
    walker.answer({"rship.1": 1})
    walker.answer({item: 1})
    assert_partner_page(walker)
    walker.get(MORE)  # reloaded: the same page, not a redirect
    assert_partner_page(walker)
    walker.walk()
    assert walker.path == "/intake/review"

    both = {"rship.1": 1, "rship.4": 1, "rship.5": 1}
    walker.get(f"/intake/step/{_number(walker, 'rship-details')}?change=1")
    walker.answer(both)
    assert walker.path == "/intake/review"  # changed again: no second interruption
    assert walker.visited.count(MORE) == 2  # the first visit and the reload only


def _number(walker: IntakeWalker, screen: str) -> int:
    from clinic.intake.pages import navigation

    place = navigation.position(only_submission())
    index = place.index_of(screen)
    assert index is not None
    return index + 1


@pytest.mark.parametrize(
    ("age", "event"),
    [(8, "cats_7_17.e8"), (8, "cats_7_17.e4"), (5, "cats_3_6.e6"), (5, "cats_3_6.e9")],
)
def test_a_caregivers_abuse_answer_shows_the_child_abuse_page_next(
    walker: IntakeWalker, age: int, event: str
) -> None:
    walker.start("caregiver_child", age)
    section = event.split(".")[0]
    walker.walk_to(section)
    walker.note()
    assert walker.screen() == f"{section}-events"
    walker.answer({event: 1})
    assert_child_page(walker, teen=False)
    walker.get("/intake/continue")
    assert walker.screen() in (f"{section}-events-2", f"{section}-events-3")  # the next one


def test_a_teenagers_own_abuse_answer_shows_the_child_abuse_page_in_their_words(
    walker: IntakeWalker,
) -> None:
    walker.start("teen_self", 15)
    walker.walk_to("cats_7_17")
    walker.note()
    walker.answer({"cats_7_17.e9": 1})
    assert_child_page(walker, teen=True)


def test_other_events_and_refusals_show_no_support_page(walker: IntakeWalker) -> None:
    walker.start("caregiver_child", 9)
    walker.walk_to("cats_7_17")
    walker.note()
    walker.answer({"cats_7_17.e1": 1, "cats_7_17.e4": None, "cats_7_17.e8": None})
    assert walker.screen() == "cats_7_17-events-3"
    walker.walk()
    assert walker.path == "/intake/review"
    assert MORE not in walker.visited
    assert only_submission().support_pages is None


def test_skipping_the_relationship_questions_shows_no_support_page(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("rship")
    walker.note("skip")
    assert MORE not in walker.visited and CRISIS not in walker.visited


def test_when_one_save_calls_for_the_crisis_and_a_support_page_the_crisis_page_comes_first(
    app: Flask, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("rship")
    draft = only_submission()
    crisis = drafts.save_answers(draft, {"phq9.9": 2, "rship.1": 1, "rship.4": 1})
    db.session.commit()
    assert crisis
    assert support_pages.SupportPages.of(draft).pending == (support_pages.PARTNER,)

    walker.get(CRISIS)
    assert walker.heading() == "Support is available, any time"
    walker.get("/intake/continue")  # the crisis page's "Continue the form"
    assert_partner_page(walker)
    walker.get("/intake/continue")
    assert walker.path.startswith("/intake/step/")
    assert support_pages.SupportPages.of(only_submission()).pending == ()


def test_two_support_pages_called_for_at_once_are_shown_one_after_the_other(
    app: Flask, walker: IntakeWalker
) -> None:
    walker.start("caregiver_child", 15)
    draft = only_submission()
    support_pages.note_answers(draft, {"rship.5": 1, "cats_7_17.e6": 1})
    db.session.commit()
    walker.get("/intake/continue")
    assert_partner_page(walker)
    walker.get("/intake/continue")
    assert_child_page(walker, teen=False)
    walker.get("/intake/continue")
    assert walker.path == "/intake/step/1"


def test_without_a_support_page_due_its_address_leads_back_to_the_form(
    walker: IntakeWalker,
) -> None:
    walker.start("adult_self", 30)
    walker.get(MORE)
    assert walker.path == "/intake/step/1"


def test_which_page_was_due_is_stored_encrypted_and_is_never_in_an_address(
    walker: IntakeWalker,
) -> None:
    walker.start("teen_self", 13)
    walker.walk_to("cats_7_17")
    walker.note()
    walker.answer({"cats_7_17.e8": 1})
    draft = only_submission()
    assert draft.support_pages == {"called_for": ["child"], "seen": ["child"]}
    assert "child" not in (draft.support_pages_encrypted or "")
    assert not any("child" in url or "abuse" in url for url in walker.visited)


def test_the_support_pages_in_spanish(walker: IntakeWalker) -> None:
    with walker.client.session_transaction() as session:
        session[LANGUAGE_KEY] = "es"
    walker.start("caregiver_child", 6)
    walker.walk_to("cats_3_6")
    walker.note()
    walker.answer({"cats_3_6.e8": 1})
    assert walker.path == MORE
    assert walker.heading() == "Gracias por contárnoslo"
    page = walker.html
    for words in (
        "Lo que nos contó sobre su hijo o hija es importante.",
        "Llame o envíe un mensaje de texto al 1-800-422-4453",
        "Línea Nacional de Childhelp contra el Abuso Infantil",
        "En una emergencia, llame al 911",
        "Si necesita salir rápido",
        "Continuar con el formulario",
    ):
        assert words in page, words
