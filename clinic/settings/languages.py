"""The languages the clinic's texts and the client pages come in; English is the default."""

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
