"""In a real browser: the domestic-violence and child-abuse support pages come next after
the answer that calls for them; axe-clean at 320 px and desktop, in Spanish too, reachable
by keyboard, and working without JavaScript."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.clinic.intake.browser import BrowserIntake

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

MORE = "/intake/support/more"


def _to_partner_questions(intake: BrowserIntake) -> None:
    intake.start("Me – I am 18 or older", 36)
    intake.walk(stop=lambda: intake.note_section() == "rship")
    intake.note()
    intake.answer({"rship.1": 1})
    assert intake.screen() == "rship-details"


def _to_cats_events(intake: BrowserIntake) -> None:
    intake.walk(stop=lambda: intake.note_section() == "cats_7_17")
    intake.note()
    assert intake.screen() == "cats_7_17-events"


def test_a_partner_risk_answer_shows_the_domestic_violence_page_next(
    page: Page, live: tuple[Flask, str]
) -> None:
    _app, url = live
    intake = BrowserIntake(page, url, "support-partner")
    _to_partner_questions(intake)
    intake.answer({"rship.4": 1})

    expect(page).to_have_url(f"{url}{MORE}")
    expect(page).to_have_title("Support if you need it – Community Therapy Clinic")
    expect(page.get_by_role("heading", level=1)).to_have_text("You deserve to be safe")
    expect(page.get_by_role("link", name="Call 1-800-799-7233")).to_have_attribute(
        "href", "tel:18007997233"
    )
    expect(page.get_by_role("link", name="Text START to 88788")).to_have_attribute(
        "href", "sms:88788?body=START"
    )
    expect(page.get_by_role("link", name="Leave this site quickly")).to_be_visible()
    expect(page.get_by_text("closes this form in this browser")).to_be_visible()
    intake.check_page("page")

    # "Continue the form" is reached with the keyboard and goes on to the next question.
    intake.tab_to(
        lambda: (
            intake.focused("e && e.tagName === 'A' && e.textContent.trim() === 'Continue the form'")
            is True
        )
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator('input[name="screen"]')).to_have_value("parent-children")


def test_a_caregivers_abuse_answer_shows_the_child_abuse_page_next(
    page: Page, live: tuple[Flask, str]
) -> None:
    _app, url = live
    intake = BrowserIntake(page, url, "support-child")
    intake.start("A child or teenager I care for", 9)
    _to_cats_events(intake)
    intake.answer({"cats_7_17.e8": 1})

    expect(page).to_have_url(f"{url}{MORE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    expect(page.get_by_text("What you shared about your child is important.")).to_be_visible()
    expect(page.get_by_role("link", name="Call or text 1-800-422-4453")).to_have_attribute(
        "href", "tel:18004224453"
    )
    expect(page.get_by_role("link", name="In an emergency, call 911")).to_be_visible()
    intake.check_page("page")
    page.get_by_role("link", name="Continue the form").click()
    expect(page.locator('input[name="screen"]')).to_have_value("cats_7_17-events-3")  # next


def test_the_child_abuse_page_in_spanish(page: Page, live: tuple[Flask, str]) -> None:
    _app, url = live
    intake = BrowserIntake(page, url, "support-child-spanish")
    intake.start("A child or teenager I care for", 9)
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    _to_cats_events(intake)
    intake.answer({"cats_7_17.e4": 1})

    expect(page).to_have_url(f"{url}{MORE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias por contárnoslo")
    expect(
        page.get_by_role("link", name="Llame o envíe un mensaje de texto al 1-800-422-4453")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Si necesita salir rápido")).to_be_visible()
    expect(page.get_by_role("link", name="Salir rápido de este sitio")).to_be_visible()
    intake.check_page("page")
    page.get_by_role("link", name="Continuar con el formulario").click()
    expect(page.locator('input[name="screen"]')).to_have_value("cats_7_17-events-2")  # next


def test_the_support_page_works_without_javascript(
    browser: Browser, live: tuple[Flask, str]
) -> None:
    _app, url = live
    context = browser.new_context(java_script_enabled=False, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        intake = BrowserIntake(page, url, "support-no-javascript", audit=False)
        _to_partner_questions(intake)
        intake.answer({"rship.5": 1})
        expect(page).to_have_url(f"{url}{MORE}")
        expect(page.get_by_role("heading", level=1)).to_have_text("You deserve to be safe")
        expect(
            page.locator("#main").get_by_text("You can also press the Esc key twice.")
        ).to_be_hidden()
        page.get_by_role("link", name="Continue the form").click()
        expect(page.locator('input[name="screen"]')).to_have_value("parent-children")
    finally:
        context.close()
