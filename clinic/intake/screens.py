"""The screens of one intake, in order: contact wishes, (adults) a little about you,
then the steps of the path's flow as `forms` computes them from the answers so far.

Branching is recomputed on every request, so the numbering ("step 4 of 19") stays
right when an answer adds or removes steps. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import forms
from clinic.documents import AnswersDocument
from clinic.i18n import current_language
from forms import Step

CONTACT = "contact"
ABOUT = "about"
PATHS_ASKING_SEX = frozenset({"adult_self"})  # sex is used only by AUDIT-C, adults only


@dataclass(frozen=True)
class Screen:
    id: str
    kind: str  # "contact", "about" or "step"
    step: Step | None = None

    @property
    def section(self) -> str:
        return self.step.section if self.step is not None else self.id


@dataclass(frozen=True)
class Position:
    """Where a draft stands: its screens, and the first one not finished yet."""

    screens: tuple[Screen, ...]
    first_open: int | None  # 0-based; None when every screen is finished

    @property
    def total(self) -> int:
        return len(self.screens)

    @property
    def complete(self) -> bool:
        return self.first_open is None

    def index_of(self, screen_id: str) -> int | None:
        for index, screen in enumerate(self.screens):
            if screen.id == screen_id:
                return index
        return None

    def first_of_section(self, section: str) -> int | None:
        for index, screen in enumerate(self.screens):
            if screen.section == section:
                return index
        return None


def screens_for(path: str, document: AnswersDocument) -> tuple[Screen, ...]:
    """Every screen of this intake, given the answers document so far, worded in the
    client's language where the section is translated."""
    state = forms.next_steps(
        path, document.subject_age, document.answers, language=current_language()
    )
    head = [Screen(CONTACT, CONTACT)]
    if path in PATHS_ASKING_SEX:
        head.append(Screen(ABOUT, ABOUT))
    return (*head, *(Screen(step.id, "step", step) for step in state.steps))


def is_done(screen: Screen, answers: Mapping[str, object], done: Sequence[str]) -> bool:
    if screen.step is None:
        return screen.id in done
    return all(item_id in answers for item_id in screen.step.item_ids)


def position(path: str, document: AnswersDocument, done: Sequence[str]) -> Position:
    screens = screens_for(path, document)
    answers = document.answers
    first_open = next(
        (i for i, screen in enumerate(screens) if not is_done(screen, answers, done)), None
    )
    return Position(screens, first_open)


def section_title(section: str, path: str) -> forms.LocalText:
    return forms.section_title(section, path, current_language())


@cache
def section_questions(section: str, path: str, subject_age: int) -> tuple[forms.Question, ...]:
    """Every question the section may ask at this age (before branching)."""
    return tuple(
        question
        for step in forms.flow_for(path, subject_age).steps
        if step.section == section
        for question in step.questions
    )


def can_skip_section(section: str, path: str, subject_age: int) -> bool:
    """Any section with questions can be skipped: every question offers "prefer not to
    answer", which skipping records for each of them."""
    return bool(section_questions(section, path, subject_age))


def section_started(
    section: str, path: str, subject_age: int, answers: Mapping[str, object]
) -> bool:
    return any(q.id in answers for q in section_questions(section, path, subject_age))
