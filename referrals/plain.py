"""Routing explanations in plain words for staff.

The decision stores its evidence as the rules wrote it: `reg.2 = 1 (self-harm in
the past month)`, `phq9.9 refused (...)`, `ASQ acute_positive`. Staff read them
with the question and the answer in words, from the forms definitions' item
texts and option labels: "Self-harm in the past month (yes)". Anything this
module does not recognise (an item no definition knows any more) is left as it
was, never dropped. The few words of its own go through `translate` (the staff
language's gettext; English when none is given).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import forms
from forms.model import Item

Translate = Callable[[str], str]

_ID: Final = r"[a-z][a-z0-9_]*\.[a-z0-9_]+"
_MEANING: Final = r"(?: \((?P<meaning>[^()]*)\))?"
_WHILE: Final = re.compile(
    rf"(?P<item>{_ID}) (?P<how>refused|not answered) while (?P<other>{_ID}) = (?P<code>-?\d+)"
    + _MEANING
)
_MISSING: Final = re.compile(
    rf"(?P<item>{_ID}) (?P<how>refused|not answered)(?P<after> after a positive ASQ)?" + _MEANING
)
_ANSWER: Final = re.compile(rf"(?P<item>{_ID}) = (?P<code>-?\d+)" + _MEANING)
_ASQ_RESULT: Final = re.compile(r"\bASQ (?P<result>[a-z]+(?:_[a-z]+)+)\b")
_WORDS: Final = {
    "refused": "prefer not to answer",
    "not answered": "not answered",
    " after a positive ASQ": " after a positive ASQ",
}


def _item(item_id: str) -> Item | None:
    try:
        definition = forms.get_definition(item_id.split(".", 1)[0])
    except forms.UnknownInstrument:
        return None
    return definition.items_by_id.get(item_id)


def _question(item: Item) -> str:
    return f"“{item.text.default.rstrip()}”"


def _label(item: Item, code: str) -> str:
    label = next((o.label for o in item.options if str(o.code) == code), code)
    return label[:1].lower() + label[1:]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def plain_words(text: str, translate: Translate | None = None) -> str:
    """`text` (an explanation sentence or one piece of evidence) with its answer codes in words."""
    say = translate or (lambda words: words)

    def while_answered(match: re.Match[str]) -> str:
        item, other = _item(match["item"]), _item(match["other"])
        if item is None or other is None:
            return match[0]
        how = say(_WORDS[match["how"]])
        because = f"{_question(item)}: {how}; {_question(other)}: {_label(other, match['code'])}"
        if not match["meaning"]:
            return because
        return f"{_capitalised(match['meaning'])} ({because})"

    def missing(match: re.Match[str]) -> str:
        item = _item(match["item"])
        if item is None:
            return match[0]
        how = say(_WORDS[match["how"]]) + (say(_WORDS[match["after"]]) if match["after"] else "")
        if not match["meaning"]:
            return f"{_question(item)}: {how}"
        return f"{_capitalised(match['meaning'])} ({_question(item)}: {how})"

    def answered(match: re.Match[str]) -> str:
        item = _item(match["item"])
        if item is None:
            return match[0]
        label = _label(item, match["code"])
        if match["meaning"]:
            return f"{_capitalised(match['meaning'])} ({label})"
        return f"{_question(item)} ({label})"

    text = _WHILE.sub(while_answered, text)
    text = _MISSING.sub(missing, text)
    text = _ANSWER.sub(answered, text)
    return _ASQ_RESULT.sub(lambda m: "ASQ " + m["result"].replace("_", " "), text)
