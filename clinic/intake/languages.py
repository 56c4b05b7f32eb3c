"""Languages of the client pages (Flask-Babel): English and Spanish.

The language is the one the client chose with the language switch (kept in the
session), else the browser's preference, else English. Staff pages are English.
Catalogs are in `translations/` (compiled `.mo` files are committed; see README
"The client intake" for updating them). Questions are worded by `forms` in the
client's language where a section is translated, else in English: templates mark such
text with `lang_attr`.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import Babel
from markupsafe import Markup

from clinic.settings.languages import DEFAULT_LANGUAGE, LANGUAGES

SESSION_KEY = "language"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}

babel = Babel()


CLIENT_BLUEPRINTS = ("intake", "rescreen")
"""The client's pages: the intake and the re-screen."""


def select_language() -> str:
    if request.blueprint not in CLIENT_BLUEPRINTS:
        return DEFAULT_LANGUAGE
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    return select_language() if has_request_context() else DEFAULT_LANGUAGE


def init_app(app: Flask, translations: str) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translations)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_language)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {
            "current_language": current_language(),
            "language_names": LANGUAGE_NAMES,
            "lang_attr": lang_attr,
        }


def lang_attr(language: str | None) -> Markup:
    """` lang="en"` for text in another language than the page's (screen readers switch
    voice); nothing for text in the page's language or of no stated language."""
    if language is None or language == current_language():
        return Markup("")
    return Markup(' lang="{}"').format(language)
