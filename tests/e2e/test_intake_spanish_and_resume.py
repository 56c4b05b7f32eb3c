"""In a real browser: a path completed in Spanish, and a draft saved, closed and resumed
from the link in the email the live worker sends (development mail channel), with
JavaScript and without it."""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect
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
            expect(page.get_by_text("Paso 1 de 20 como máximo", exact=True)).to_be_visible()
            intake.contact(no_contact="y", caregiver_contact_ok="prefer_not_to_answer")
            expect(page.locator("legend").first).to_have_text(
                "¿Está a salvo en el lugar donde se encuentra en este momento?"
            )
            languages = _walk_in_spanish(intake, page)
            # Clinic questions and the published Spanish PHQ-9 and ASQ are in Spanish; other
            # instruments are in English, marked as such, with a note saying why, once at
            # the top of the section: on its content note (the CATS), else its first screen.
            cats = ("events", "events-2", "events-3", "symptoms_1", "symptoms_1-2")
            cats += ("symptoms_2", "symptoms_2-2", "impairment")
            assert {screen: lang for screen, (lang, _note) in languages.items()} == {
                "safety": None,
                "rel": None,
                "apgar": "en",
                "phq9": None,
                "phq9-2": None,
                "asq-screen": None,
                **{f"cats_7_17-{screen}": "en" for screen in cats},
                "reg": None,
            }
            assert {screen for screen, (_lang, note) in languages.items() if note} == {"apgar"}
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


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _access_log() -> Iterator[list[str]]:
    """The live server's access log (werkzeug's request lines) while in the block.

    A handler of our own: the migrations' logging set-up replaces pytest's."""
    handler = _Lines()
    logger = logging.getLogger("werkzeug")
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.INFO)
    logger.disabled = False
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def test_a_draft_saved_and_resumed_from_the_emailed_link_loses_nothing(
    browser: Browser, page: Page, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        worker = start_worker(stack.env, tmp_path)
        try:
            with _access_log() as access_log, LiveServer(app) as server:
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
                link, code = _link_and_code_in(next(messages.glob("*.eml")))
                compact = code.replace("-", "")
                assert link == f"{server.url}/intake/resume#{compact}"

                _resume_from_the_link(browser, server.url, link, code)
                _resume_without_javascript(browser, server.url, link, code)

            logged = "\n".join(access_log)
            assert "POST /intake/resume " in logged  # the log was captured
            assert "GET /intake/resume " in logged
            for secret in (code, compact):
                assert secret.lower() not in logged.lower()
        finally:
            worker.stop()


def _assert_answers_kept(page: Page) -> None:
    expect(page.locator('input[name="phq9.1"][value="2"]')).to_be_checked()
    expect(page.locator('input[name="phq9.2"][value="1"]')).to_be_checked()
    expect(page.locator('input[name="phq9.3"]:checked')).to_have_count(0)


def _resume_from_the_link(browser: Browser, base_url: str, link: str, code: str) -> None:
    """Opening the link: the code never leaves the browser but in the form's POST body."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.set_default_timeout(15_000)
    requests: list[Request] = []
    context.on("request", lambda request: requests.append(request))
    fresh = context.new_page()
    try:
        # A link with a wrong code: the code form says so kindly, without the code.
        fresh.goto(f"{base_url}/intake/resume#{'A' * 26}")
        expect(fresh.locator("#code-error")).to_contain_text(
            "We could not find a saved form with that code."
        )
        assert fresh.url == f"{base_url}/intake/resume"

        # The same page, so only the "#" part changes (no reload): the script still acts.
        fresh.goto(link)
        expect(fresh.get_by_text("Welcome back.")).to_be_visible()
        assert fresh.url == f"{base_url}/intake/step/10"  # the first unanswered step
        assert "#" not in fresh.url and urlsplit(fresh.url).fragment == ""
        _assert_answers_kept(fresh)

        history = context.new_cdp_session(fresh).send("Page.getNavigationHistory")
        visited = [entry["url"] for entry in history["entries"]]
        assert f"{base_url}/intake/resume" in visited
        sent = [(r.method, r.url, r.all_headers().get("referer", "")) for r in requests]
        posted = [url for method, url, _ in sent if method == "POST"]
        assert posted == [f"{base_url}/intake/resume"] * 2  # the wrong code, then the right one
        for secret in (code, code.replace("-", "")):
            for method, url, referer in sent:
                assert secret.lower() not in url.lower(), (method, url)
                assert secret.lower() not in referer.lower(), (method, url, referer)
            for url in visited:
                assert secret.lower() not in url.lower(), url
    finally:
        context.close()


def _resume_without_javascript(browser: Browser, base_url: str, link: str, code: str) -> None:
    """Without JavaScript the link shows the code form; the code from the email opens it."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    context.set_default_timeout(15_000)
    fresh = context.new_page()
    try:
        fresh.goto(link)
        expect(fresh.get_by_role("heading", level=1)).to_have_text("Continue your form")
        field = fresh.get_by_label("Your resume code")
        expect(field).to_have_value("")
        field.fill(code)
        fresh.get_by_role("button", name="Continue", exact=True).click()
        expect(fresh.get_by_text("Welcome back.")).to_be_visible()
        assert fresh.url == f"{base_url}/intake/step/10"
        _assert_answers_kept(fresh)
    finally:
        context.close()


def _link_and_code_in(eml: Path) -> tuple[str, str]:
    """The resume link and the code to type, from the email's text body."""
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    link = re.search(r"https?://\S+/intake/resume#[0-9A-Z]+", text)
    code = re.search(r"type this code:\n([0-9A-Z]{5}(?:-[0-9A-Z]{5,6}){4})\n", text)
    assert link and code, text
    return link.group(0), code.group(1)
