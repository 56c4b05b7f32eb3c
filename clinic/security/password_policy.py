"""What a staff password must be: long, and not a common password in disguise.

The shipped list (`common_passwords.txt`) holds common passwords and the words
they are built from. A password is refused when, lower-cased and with
look-alike digits read as letters, it is on the list, is a listed word with
digits or symbols around it, or is one listed word repeated.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class WeakPassword(ValueError):
    """The password is refused; the message says why in plain words."""


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


def _unit(form: str) -> str:
    """'abcabc' -> 'abc': the shortest piece the text repeats."""
    for size in range(1, len(form) // 2 + 1):
        if len(form) % size == 0 and form[:size] * (len(form) // size) == form:
            return form[:size]
    return form


def _variants(password: str) -> set[str]:
    forms = {password.lower()}
    for _ in range(2):
        forms |= {form.replace(" ", "") for form in forms}
        forms |= {_unit(form) for form in forms}
        forms |= {_EDGES.sub("", form) for form in forms}
        forms |= {form.translate(_LEET) for form in forms}
    return {form for form in forms if form}


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword unless the password is long enough and not a common one."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Choose a password of at least {MIN_LENGTH} characters.")
    variants = _variants(password)
    if variants & common_passwords():
        raise WeakPassword("That password is too common. Choose a longer phrase of your own.")
    personal = {email.split("@")[0].lower(), name.lower().replace(" ", "")} - {""}
    if variants & personal:
        raise WeakPassword("Choose a password that is not your name or email address.")
    if len(set(password)) < 4:
        raise WeakPassword("Choose a password with more different characters.")
