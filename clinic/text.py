"""Text the clinic accepts: no unpaired surrogates, no control characters.

An unpaired surrogate (`"\\ud800"` in JSON) cannot be written as UTF-8, so a
page showing it would fail; a control character has no place in a name, an
address or a note (except a tab or a line break in text that has lines). Every
text input is checked here: the JSON API's bodies, every form field and query
parameter (clinic.web.input_checks), and the stored documents as they are read
(clinic.models.documents).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

MAX_JSON_DEPTH = 32
"""Deeper JSON than this is refused: no document the clinic keeps is near it."""
TOO_DEEP = f"is nested deeper than {MAX_JSON_DEPTH} levels"

_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, *, lines: bool = False) -> str | None:
    """Why `value` is not acceptable text, or None. `lines`: tab, CR and LF are allowed."""
    found = (_CONTROL_BUT_LINES if lines else _ANY_CONTROL).search(value)
    if found is None:
        return None
    if "\ud800" <= found.group() <= "\udfff":
        return "holds a character that is not valid Unicode (an unpaired surrogate)"
    return "holds a control character"


def json_problems(value: object, *, lines: bool = False) -> Iterator[tuple[str, str]]:
    """(dotted path, problem) for each string, key included, that is not acceptable text,
    and for nesting deeper than MAX_JSON_DEPTH. Walks without recursion."""
    pending: list[tuple[str, object, int]] = [("", value, 0)]
    while pending:
        path, item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            yield path, TOO_DEEP
            continue
        if isinstance(item, str):
            problem = text_problem(item, lines=lines)
            if problem is not None:
                yield path, problem
        elif isinstance(item, Mapping):
            for key, child in item.items():
                key_text = str(key)
                child_path = f"{path}.{key_text}" if path else key_text
                if text_problem(key_text) is not None:
                    yield path, "has a key that is not acceptable text"
                    continue
                pending.append((child_path, child, depth + 1))
        elif isinstance(item, Sequence):
            pending.extend((f"{path}[{n}]", child, depth + 1) for n, child in enumerate(item))
