"""English and Spanish: the catalog is complete and compiled; pages say which language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker, page_forms

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "translations" / "es" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def _used_messages() -> set[str]:
    method_map = [
        ("clinic/intake/**.py", "python"),
        ("templates/intake/**.html", "jinja2"),
        ("templates/layout.html", "jinja2"),
        ("templates/form_errors.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_client_message_has_a_spanish_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as file:
        catalog = read_po(file, locale="es")
    translated = {
        _singular(m.id): _singular(m.string)
        for m in catalog
        if m.id and all(_forms(m.string)) and not m.fuzzy
    }
    used = _used_messages()
    assert len(used) > 150
    assert sorted(used - set(translated)) == []
    for english, spanish in translated.items():
        assert spanish.count("%(") == english.count("%("), english


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)


def _singular(text: str | tuple[str, ...]) -> str:
    """A message's text; a plural message's first form."""
    return _forms(text)[0]


def test_the_compiled_catalog_matches_the_source() -> None:
    with (CATALOG / "messages.po").open("rb") as file:
        source = {_plain(m.id): _plain(m.string) for m in read_po(file, locale="es") if m.id}
    with (CATALOG / "messages.mo").open("rb") as file:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(file) if m.id}
    assert compiled == source, "run: pybabel compile -d translations"


def _plain(text: object) -> object:
    """A message's text; a plural message's forms as a tuple (the compiled catalog gives
    them as a list)."""
    return tuple(text) if isinstance(text, list | tuple) else text


def _switch_to_spanish(walker: IntakeWalker, at: str = "/intake") -> None:
    walker.get(at)
    form = next(f for f in page_forms(walker.html) if f.action == "/intake/language")
    walker.post(form.action, {**form.hidden, "language": "es"})


@pytest.mark.usefixtures("app_context")
def test_the_language_switch_keeps_the_page_and_translates_it(walker: IntakeWalker) -> None:
    _switch_to_spanish(walker)
    page = walker.html
    assert walker.path == "/intake"
    assert '<html lang="es">' in page
    assert "Cuéntenos qué apoyo busca" in page
    assert "Salir rápido de este sitio" in page
    assert "Clínica Comunitaria de Terapia" in page
    assert "Llame o envíe un mensaje de texto al 988" in page
    assert 'lang="en" class="link-button">English</button>' in page


@pytest.mark.usefixtures("app_context")
def test_the_browser_language_is_used_until_one_is_chosen(client: FlaskClient) -> None:
    page = client.get("/intake", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert '<html lang="es">' in page.get_data(as_text=True)
    staff = client.get("/staff/login", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in staff.get_data(as_text=True)  # staff pages are English


ENGLISH_NOTE = "Estas preguntas se muestran en inglés"


@pytest.mark.usefixtures("app_context")
def test_in_spanish_a_caregiver_sees_the_clinic_questions_in_spanish(walker: IntakeWalker) -> None:
    _switch_to_spanish(walker)
    walker.start("caregiver_child", 7)
    assert "Paso 1 de 20 como máximo" in walker.html
    walker.contact()
    page = walker.html
    legend = "¿Su hijo o hija está a salvo en el lugar donde se encuentra en este momento?"
    assert f"<legend>{legend}</legend>" in page
    assert ENGLISH_NOTE not in page and '<legend lang="en">' not in page
    assert "Prefiero no responder" in page and "Prefer not to answer" not in page
    walker.walk()
    walker.submit()
    assert "Gracias. Tenemos sus respuestas." in walker.html
    assert only_submission().contact["language"] == "es"


@pytest.mark.usefixtures("app_context")
def test_in_spanish_instruments_are_in_spanish_only_where_a_published_version_exists(
    walker: IntakeWalker,
) -> None:
    _switch_to_spanish(walker)
    walker.start("adult_self", 30)
    walker.walk_to("ace")
    note = walker.html  # the content note is the clinic's own text: in Spanish
    assert "<h1>Experiencias difíciles en la infancia</h1>" in note  # our own plain title
    assert "Estas preguntas son sobre cosas difíciles que pueden haber pasado" in note
    assert ENGLISH_NOTE in note
    walker.note()
    ace = walker.html
    assert '<legend lang="en">' in ace and ENGLISH_NOTE not in ace  # said once, on its note
    assert '<span lang="en">' not in ace  # "why we ask" is in Spanish
    walker.walk_to("phq9")
    walker.note()
    phq9 = walker.html
    assert "<h1>Su estado de ánimo en las últimas dos semanas</h1>" in phq9
    assert "<legend>Poco interés o placer en hacer cosas</legend>" in phq9
    assert ">Ningún día</label>" in phq9 and ">Casi todos los días</label>" in phq9
    assert ENGLISH_NOTE not in phq9 and '<legend lang="en">' not in phq9
    walker.answer({"phq9.1": 2})
    walker.answer()  # the second screen of the PHQ-9
    assert "<legend>Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta</legend>" in (
        walker.html
    )
    walker.walk()
    review = walker.html
    assert "<dt>Poco interés o placer en hacer cosas</dt>" in review
    assert "<dd>Más de la mitad de los días</dd>" in review
    assert '<h2 id="review-ace">' in review and ENGLISH_NOTE in review
    walker.submit()
    assert only_submission().answers["answers"]["phq9.1"] == 2
