"""Every message rendered in English and Spanish, compared with the expected text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from clinic.notifications.render import render

pytestmark = pytest.mark.usefixtures("app_context")

LINK = "https://clinic.example/staff/alerts/abc"
RESUME_PAGE = "https://clinic.example/intake/resume"
RESUME_CODE = "ABCDE-FGHJK-MNPQR-STVWX-YZ0123"
RESUME = f"{RESUME_PAGE}#{RESUME_CODE.replace('-', '')}"
RESUME_VALUES = {"link": RESUME, "page": RESUME_PAGE, "code": RESUME_CODE}

EXPECTED: list[tuple[str, str, dict[str, Any], str, str]] = [
    (
        "staff_alert",
        "en",
        {"link": LINK, "urgent": False},
        "A referral needs attention",
        "A new referral needs attention.\n\nOpen it in the staff console:\n"
        f"{LINK}\n\nThis message holds no client details on purpose; sign in to see them.\n",
    ),
    (
        "staff_alert",
        "en",
        {"link": LINK, "urgent": True},
        "Urgent: a referral needs attention",
        "A new referral needs attention urgently.\n\nOpen it in the staff console:\n"
        f"{LINK}\n\nThis message holds no client details on purpose; sign in to see them.\n",
    ),
    (
        "staff_alert",
        "es",
        {"link": LINK, "urgent": True},
        "Urgente: una derivación necesita atención",
        "Una nueva derivación necesita atención urgente.\n\nÁbrala en la consola del personal:\n"
        f"{LINK}\n\nEste mensaje no incluye datos del cliente a propósito; "
        "inicie sesión para verlos.\n",
    ),
    (
        "staff_page",
        "en",
        {"link": LINK, "number": 1},
        "Urgent: a referral needs attention now",
        "An urgent referral needs attention now.\n\n"
        f"Please open it and acknowledge it in the staff console:\n{LINK}\n\n"
        "Until someone acknowledges it, this message is sent again every few minutes.\n",
    ),
    (
        "staff_page",
        "es",
        {"link": LINK, "number": 3},
        "Urgente: una derivación necesita atención ahora (recordatorio 2)",
        "Una derivación urgente necesita atención ahora.\n\n"
        f"Ábrala y confirme que la recibió en la consola del personal:\n{LINK}\n\n"
        "Hasta que alguien lo confirme, este mensaje se enviará de nuevo cada pocos minutos.\n",
    ),
    (
        "staff_draft_page",
        "en",
        {"link": LINK, "number": 1},
        "Urgent: an intake in progress needs attention now",
        "An intake in progress needs urgent attention now.\n\n"
        f"Please open it and acknowledge it in the staff console:\n{LINK}\n\n"
        "Until someone acknowledges it, this message is sent again every few minutes.\n",
    ),
    (
        "staff_draft_page",
        "es",
        {"link": LINK, "number": 2},
        "Urgente: un formulario de admisión en curso necesita atención ahora (recordatorio 1)",
        "Un formulario de admisión en curso necesita atención urgente ahora.\n\n"
        f"Ábralo y confirme que lo recibió en la consola del personal:\n{LINK}\n\n"
        "Hasta que alguien lo confirme, este mensaje se enviará de nuevo cada pocos minutos.\n",
    ),
    (
        "staff_digest",
        "en",
        {"link": LINK, "count": 3},
        "New referrals are waiting",
        f"3 new referrals are waiting in the staff console:\n{LINK}\n\n"
        "This message holds no client details on purpose; sign in to see them.\n",
    ),
    (
        "staff_digest",
        "es",
        {"link": LINK, "count": 1},
        "Hay derivaciones nuevas en espera",
        f"Hay 1 derivación nueva en espera en la consola del personal:\n{LINK}\n\n"
        "Este mensaje no incluye datos del cliente a propósito; inicie sesión para verlos.\n",
    ),
    (
        "client_confirmation",
        "en",
        {"clinic_name": None},
        "Your form was received",
        "Hello,\n\nYour form was received. Thank you for taking the time to fill it in.\n\n"
        "Someone will be in touch in the way you chose. "
        "You do not need to reply to this message.\n",
    ),
    (
        "client_confirmation",
        "es",
        {"clinic_name": "Clínica Comunitaria de Terapia"},
        "Recibimos su formulario",
        "Hola:\n\nRecibimos su formulario en Clínica Comunitaria de Terapia. "
        "Gracias por tomarse el tiempo de completarlo.\n\n"
        "Alguien se comunicará con usted de la manera que eligió. "
        "No necesita responder a este mensaje.\n",
    ),
    (
        "client_resume_link",
        "en",
        {"clinic_name": "Community Therapy Clinic", **RESUME_VALUES},
        "Your link to continue",
        "Hello,\n\nHere is your link to continue the form you started with "
        f"Community Therapy Clinic:\n{RESUME}\n\n"
        f"If the link does not open your form, go to {RESUME_PAGE} and type this code:\n"
        f"{RESUME_CODE}\n\n"
        "Keep the link and the code private: anyone who has them can open what you saved. "
        "If you did not ask for this message, you can ignore it.\n",
    ),
    (
        "client_resume_link",
        "es",
        {"clinic_name": None, **RESUME_VALUES},
        "Su enlace para continuar",
        "Hola:\n\nEste es su enlace para continuar el formulario que empezó:\n"
        f"{RESUME}\n\n"
        f"Si el enlace no abre su formulario, vaya a {RESUME_PAGE} y escriba este código:\n"
        f"{RESUME_CODE}\n\n"
        "Guarde el enlace y el código en privado: cualquier persona que los tenga puede "
        "abrir lo que guardó. Si no pidió este mensaje, puede ignorarlo.\n",
    ),
    (
        "client_reach_out",
        "en",
        {"clinic_name": None},
        "We tried to reach you",
        "Hello,\n\nWe tried to reach you about the form you sent. We will try again in the "
        "way you chose, and you are welcome to contact us too.\n",
    ),
    (
        "client_reach_out",
        "es",
        {"clinic_name": "Clínica Comunitaria de Terapia"},
        "Intentamos comunicarnos con usted",
        "Hola:\n\nIntentamos comunicarnos con usted desde Clínica Comunitaria de Terapia por "
        "el formulario que envió. Lo intentaremos de nuevo de la manera que eligió, y usted "
        "también puede comunicarse con nosotros.\n",
    ),
]

EXPECTED_SMS: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "staff_page",
        "en",
        {"link": LINK, "number": 2},
        "Urgent: a referral needs attention now. Open and acknowledge it in the staff "
        f"console: {LINK}\n",
    ),
    (
        "staff_page",
        "es",
        {"link": LINK, "number": 1},
        "Urgente: una derivación necesita atención ahora. Ábrala y confirme que la recibió "
        f"en la consola del personal: {LINK}\n",
    ),
    (
        "staff_draft_page",
        "en",
        {"link": LINK, "number": 1},
        "Urgent: an intake in progress needs attention now. Open and acknowledge it in the "
        f"staff console: {LINK}\n",
    ),
    (
        "staff_draft_page",
        "es",
        {"link": LINK, "number": 1},
        "Urgente: un formulario de admisión en curso necesita atención ahora. Ábralo y "
        f"confirme que lo recibió en la consola del personal: {LINK}\n",
    ),
    (
        "client_confirmation",
        "en",
        {"clinic_name": None},
        "Your form was received. Thank you. You do not need to reply.\n",
    ),
    (
        "client_confirmation",
        "es",
        {"clinic_name": "Clínica Comunitaria de Terapia"},
        "Recibimos su formulario en Clínica Comunitaria de Terapia. Gracias. "
        "No necesita responder.\n",
    ),
    (
        "client_reach_out",
        "en",
        {"clinic_name": "Community Therapy Clinic"},
        "We tried to reach you from Community Therapy Clinic about the form you sent. "
        "We will try again.\n",
    ),
    (
        "client_reach_out",
        "es",
        {"clinic_name": None},
        "Intentamos comunicarnos con usted por el formulario que envió. "
        "Lo intentaremos de nuevo.\n",
    ),
]


@pytest.mark.parametrize(("template", "language", "values", "subject", "text"), EXPECTED)
def test_email_subject_and_text(
    app: Flask, template: str, language: str, values: dict[str, Any], subject: str, text: str
) -> None:
    rendered = render(template, language, "email", values)
    assert (rendered.subject, rendered.text) == (subject, text)


@pytest.mark.parametrize(("template", "language", "values", "subject", "text"), EXPECTED)
def test_email_html_says_the_same_in_the_same_language(
    app: Flask, template: str, language: str, values: dict[str, Any], subject: str, text: str
) -> None:
    html = render(template, language, "email", values).html
    assert html is not None
    assert f'<html lang="{language}">' in html
    assert f"<title>{subject}</title>" in html
    words = " ".join(re.sub(r"<[^>]+>", "", html).split())
    main_paragraph = text.split("\n\n")[1 if text.startswith(("Hello", "Hola")) else 0]
    assert main_paragraph.split(":")[0].split(". ")[0] in words
    if values.get("link"):
        assert f'href="{values["link"]}"' in html


def test_the_html_of_a_staff_alert_in_full(app: Flask) -> None:
    html = render("staff_alert", "en", "email", {"link": LINK, "urgent": True}).html
    assert html == (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "  <title>Urgent: a referral needs attention</title>\n"
        "</head>\n"
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 16px; '
        'line-height: 1.5; color: #1a1a1a; margin: 0; padding: 16px;">\n'
        "\n"
        "<p>A new referral needs attention <strong>urgently</strong>.</p>\n"
        f'<p><a href="{LINK}">Open it in the staff console</a></p>\n'
        "<p>This message holds no client details on purpose; sign in to see them.</p>\n"
        "\n"
        "</body>\n"
        "</html>"
    )


@pytest.mark.parametrize(("template", "language", "values", "text"), EXPECTED_SMS)
def test_sms_text(
    app: Flask, template: str, language: str, values: dict[str, Any], text: str
) -> None:
    rendered = render(template, language, "sms", values)
    assert (rendered.subject, rendered.text, rendered.html) == ("", text, None)


@pytest.mark.parametrize(
    ("language", "typing_line"),
    [
        ("en", "If the link does not open your form, go to {page} and type this code:"),
        ("es", "Si el enlace no abre su formulario, vaya a {page} y escriba este código:"),
    ],
)
def test_the_resume_email_gives_the_code_to_type_on_the_resume_page(
    app: Flask, language: str, typing_line: str
) -> None:
    html = render("client_resume_link", language, "email", RESUME_VALUES).html
    assert html is not None
    words = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert f"{typing_line.format(page=RESUME_PAGE)} {RESUME_CODE}" in words
    assert f'<a href="{RESUME_PAGE}">{RESUME_PAGE}</a>' in html
    assert f'<a href="{RESUME}">{RESUME}</a>' in html


def test_html_escapes_what_it_is_given(app: Flask) -> None:
    html = render("client_confirmation", "en", "email", {"clinic_name": "A & <B>"}).html
    assert html is not None
    assert "A &amp; &lt;B&gt;" in html


def test_an_unknown_language_falls_back_to_english(app: Flask) -> None:
    rendered = render("client_confirmation", "fr", "email", {"clinic_name": None})
    assert rendered.subject == "Your form was received"
