"""Before any question: what confidentiality does not cover (start page, privacy notice,
and for teenagers again next to the question whether a caregiver may be contacted)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from clinic.intake.languages import SESSION_KEY as LANGUAGE_KEY
from tests.clinic.intake.walker import IntakeWalker, main_form

LIMITS = {
    "en": (
        "We keep what you tell us confidential. There are limits: if your answers show that a "
        "child is being harmed, or that someone is in danger, the clinic may have to share that "
        "to keep them safe."
    ),
    "es": (
        "Mantenemos la confidencialidad de lo que nos cuenta. Tiene límites: si sus respuestas "
        "muestran que se está haciendo daño a un niño, niña o adolescente, o que alguien está en "
        "peligro, es posible que la clínica tenga que compartirlo para proteger a quien esté en "
        "riesgo."
    ),
}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_start_page_and_privacy_notice_say_what_confidentiality_does_not_cover(
    client: FlaskClient, language: str
) -> None:
    with client.session_transaction() as session:
        session[LANGUAGE_KEY] = language
    start = client.get("/intake").get_data(as_text=True)
    assert LIMITS[language] in start
    assert start.index(LIMITS[language]) < start.index('name="path"')  # before any question
    privacy = client.get("/intake/privacy").get_data(as_text=True)
    assert LIMITS[language] in privacy


def test_teenagers_read_it_again_right_before_the_caregiver_contact_question(
    walker: IntakeWalker,
) -> None:
    walker.start("teen_self", 14)
    channels = main_form(walker.html)
    walker.post(channels.action, {**channels.hidden, "action": "continue", "no_contact": "y"})
    assert walker.screen() == "contact-more"
    page = walker.html
    question = page.index("May we contact a parent or carer of yours?")
    note = page.index("Whatever you choose here, if your answers show that a child is being harmed")
    options = page.index('name="caregiver_contact_ok"')
    assert question < note < options
    fieldset = re.search(r'<fieldset[^>]*aria-describedby="([^"]+)"[^>]*>\s*<legend>May we', page)
    assert fieldset and "caregiver-limits" in fieldset.group(1).split()
    assert 'id="caregiver-limits"' in page
    assert "the clinic may have to share that to keep them safe" in _text(page)


def test_adults_have_no_caregiver_question_and_no_repeat(walker: IntakeWalker) -> None:
    walker.start("adult_self", 40)
    assert walker.screen() == "contact"
    assert "caregiver-limits" not in walker.html
