"""In a real browser: a path completed in Spanish, and a draft saved, closed and resumed
from the link in the email the live worker sends (development mail channel)."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission
from tests.clinic.intake.browser import BrowserIntake
from tests.e2e.conftest import _make_stack
from tests.support.browser import LiveServer
from tests.support.processes import start_worker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

MAIL_TIMEOUT = 90.0


def test_a_new_user_completes_a_path_in_spanish(page: Page, tmp_path: Path) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with LiveServer(app) as server:
            page.goto(f"{server.url}/intake")
            page.get_by_role("button", name="Español").click()
            expect(page.locator("html")).to_have_attribute("lang", "es")
            intake = BrowserIntake(page, server.url, "spanish")
            intake.check_page("start")
            page.get_by_label("Yo – tengo entre 12 y 17 años").check()
            page.get_by_label("¿Qué edad tiene usted").fill("16")
            page.get_by_label("He leído el aviso de privacidad").check()
            page.get_by_role("button", name="Empezar", exact=True).click()
            expect(page.get_by_text("Paso 1 de 11", exact=True)).to_be_visible()
            intake.contact(no_contact="y", caregiver_contact_ok="prefer_not_to_answer")
            expect(page.locator("legend").first).to_have_text(
                "¿Está a salvo en el lugar donde se encuentra en este momento?"
            )
            languages = _walk_in_spanish(intake, page)
            # Clinic questions and the published Spanish PHQ-9 and ASQ are in Spanish; other
            # instruments are in English, marked as such, with a note saying why.
            assert {screen: lang for screen, (lang, _note) in languages.items()} == {
                "safety": None,
                "rel": None,
                "apgar": "en",
                "phq9": None,
                "asq-screen": None,
                "cats_7_17-events": "en",
                "cats_7_17-symptoms_1": "en",
                "cats_7_17-symptoms_2": "en",
                "cats_7_17-impairment": "en",
                "reg": None,
            }
            assert all(note == (lang == "en") for lang, note in languages.values())
            expect(page.get_by_role("heading", level=1)).to_have_text("Revise sus respuestas")
            intake.check_page("review")
            page.get_by_role("button", name="Enviar mis respuestas").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Gracias. Tenemos sus respuestas."
            )
            intake.check_page("sent")
        with app.app_context():
            submission = db.session.scalars(select(IntakeSubmission)).one()
            assert (submission.status, submission.contact["language"]) == ("submitted", "es")


def _walk_in_spanish(intake: BrowserIntake, page: Page) -> dict[str, tuple[str | None, bool]]:
    """Answer every screen; return each screen's question language (the `lang` of its
    first question, None when in the page's language) and whether the English note shows."""
    languages: dict[str, tuple[str | None, bool]] = {}
    english_note = page.get_by_text("Estas preguntas se muestran en inglés")
    for _ in range(40):
        if page.url.endswith("/intake/review"):
            return languages
        if intake.note_section():
            intake.check_page(f"note-{intake.note_section()}")
            with page.expect_navigation():
                page.get_by_role("button", name="Continuar a estas preguntas").click()
            continue
        screen = intake.screen()
        assert screen, page.url
        intake.check_page(screen)
        groups = page.locator("fieldset.question")
        languages[screen] = (
            groups.first.locator("legend").get_attribute("lang"),
            english_note.is_visible(),
        )
        for index in range(groups.count()):
            radios = groups.nth(index).locator('input[type="radio"]')
            values = [radios.nth(i).get_attribute("value") or "" for i in range(radios.count())]
            name = radios.first.get_attribute("name") or ""
            value = {"safety.now": "1", "rel.2": "1"}.get(name, "0" if "0" in values else values[0])
            groups.nth(index).locator(f'input[value="{value}"]').check()
        with page.expect_navigation():
            page.get_by_role("button", name="Continuar", exact=True).click()
    raise AssertionError("did not reach the review page")


def test_a_draft_saved_and_resumed_from_the_emailed_link_loses_nothing(
    browser: Browser, page: Page, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        worker = start_worker(stack.env, tmp_path)
        try:
            with LiveServer(app) as server:
                app.config["CLINIC_BASE_URL"] = server.url
                intake = BrowserIntake(page, server.url, "resume")
                intake.start("Me – I am 18 or older", 44)
                intake.contact(email_allowed="y", email="me@example.org")
                intake.walk(stop=lambda i=intake: "phq9" in (i.screen(), i.note_section()))
                intake.note()
                page.locator('input[name="phq9.1"][value="2"]').check()
                page.locator('input[name="phq9.2"][value="1"]').check()
                page.get_by_role("button", name="Save and come back later").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are saved")
                intake.check_page("saved")
                page.get_by_label("It is still safe for us to email this address").check()
                page.get_by_role("button", name="Email me the link").click()
                expect(page.get_by_text("We will email the link to you.")).to_be_visible()
                page.get_by_role("button", name="Close the form on this device").click()
                expect(page.get_by_text("The form is closed on this device.")).to_be_visible()
                page.context.close()

                messages = stack.instance_path / "messages"
                wait_until(
                    lambda folder=messages: any(folder.glob("*.eml")),
                    MAIL_TIMEOUT,
                    "the email",
                    worker,
                )
                link = _link_in(next(messages.glob("*.eml")))
                assert link.startswith(f"{server.url}/intake/resume/")

                context = browser.new_context(viewport={"width": 320, "height": 640})
                fresh = context.new_page()
                try:
                    fresh.goto(link)
                    expect(fresh.get_by_text("Welcome back.")).to_be_visible()
                    assert fresh.url == f"{server.url}/intake/step/7"  # no code in the address
                    expect(fresh.locator('input[name="phq9.1"][value="2"]')).to_be_checked()
                    expect(fresh.locator('input[name="phq9.2"][value="1"]')).to_be_checked()
                    expect(fresh.locator('input[name="phq9.3"]:checked')).to_have_count(0)
                finally:
                    context.close()
        finally:
            worker.stop()


def _link_in(eml: Path) -> str:
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = re.search(r"https?://\S+/intake/resume/[0-9A-Z]+", body.get_content())
    assert match, body.get_content()
    return match.group(0)
