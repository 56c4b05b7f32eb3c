"""The screens of one intake, in order: how we may contact the client (the channels,
then the details of each chosen channel on its own screen, then when and what to call
them), (adults) a little about you, then the steps of the path's flow as `forms`
computes them from the answers so far (at most five questions each).

Branching is recomputed on every request. The progress shown counts every screen that
may be asked at the subject's age ahead of time, so it never moves backwards when an
answer adds steps: a screen branching leaves out is passed over. Nothing here touches
the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import forms
from clinic.intake.languages import current_language
from clinic.models.documents import AnswersDocument, ContactDocument
from forms import Step

CONTACT = "contact"
CONTACT_PHONE = "contact-phone"
CONTACT_EMAIL = "contact-email"
CONTACT_MORE = "contact-more"
CONTACT_KINDS = (CONTACT, CONTACT_PHONE, CONTACT_EMAIL, CONTACT_MORE)
ABOUT = "about"
PATHS_ASKING_SEX = frozenset({"adult_self"})  # sex is used only by AUDIT-C, adults only


@dataclass(frozen=True)
class Screen:
    id: str
    kind: str  # one of CONTACT_KINDS, "about" or "step"
    step: Step | None = None

    @property
    def section(self) -> str:
        if self.step is not None:
            return self.step.section
        return CONTACT if self.kind in CONTACT_KINDS else self.id


@dataclass(frozen=True)
class Progress:
    """A screen's place among every screen that may be asked (counted ahead of time)."""

    number: int
    total: int
    may_finish_sooner: bool


@dataclass(frozen=True)
class Position:
    """Where a draft stands: its screens, and the first one not finished yet."""

    screens: tuple[Screen, ...]
    first_open: int | None  # 0-based; None when every screen is finished
    possible: tuple[str, ...] = ()  # the ids of every screen that may be asked, in order

    @property
    def total(self) -> int:
        return len(self.screens)

    @property
    def complete(self) -> bool:
        return self.first_open is None

    def progress(self, index: int) -> Progress:
        """Where screen ``index`` stands among the possible screens. Both the number and
        the share done only grow as the client goes on, whatever branching adds."""
        screen_id = self.screens[index].id
        if screen_id not in self.possible:  # not expected: count the asked screens only
            return Progress(index + 1, self.total, may_finish_sooner=False)
        total = len(self.possible)
        return Progress(self.possible.index(screen_id) + 1, total, self.total < total)

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


def contact_screens(contact: ContactDocument | None) -> tuple[Screen, ...]:
    """The channels, then a screen for each chosen channel's details, then when and what
    to call the client."""
    head = [Screen(CONTACT, CONTACT)]
    channels = contact.channels if contact is not None else None
    if channels is not None and (channels.phone.allowed or channels.text.allowed):
        head.append(Screen(CONTACT_PHONE, CONTACT_PHONE))
    if channels is not None and channels.email.allowed:
        head.append(Screen(CONTACT_EMAIL, CONTACT_EMAIL))
    head.append(Screen(CONTACT_MORE, CONTACT_MORE))
    return tuple(head)


def screens_for(
    path: str, document: AnswersDocument, contact: ContactDocument | None = None
) -> tuple[Screen, ...]:
    """Every screen of this intake, given the answers and contact wishes so far, worded
    in the client's language where the section is translated."""
    state = forms.next_steps(
        path, document.subject_age, document.answers, language=current_language()
    )
    head = list(contact_screens(contact))
    if path in PATHS_ASKING_SEX:
        head.append(Screen(ABOUT, ABOUT))
    return (*head, *(Screen(step.id, "step", step) for step in state.steps))


@cache
def possible_screens(path: str, subject_age: int) -> tuple[str, ...]:
    """The ids of every screen that may be asked on this path at this age, in order."""
    head = CONTACT_KINDS + ((ABOUT,) if path in PATHS_ASKING_SEX else ())
    return (*head, *(step.id for step in forms.flow_for(path, subject_age).steps))


def is_done(screen: Screen, answers: Mapping[str, object], done: Sequence[str]) -> bool:
    if screen.step is None:
        return screen.id in done
    return all(item_id in answers for item_id in screen.step.item_ids)


def position(
    path: str,
    document: AnswersDocument,
    done: Sequence[str],
    contact: ContactDocument | None = None,
) -> Position:
    screens = screens_for(path, document, contact)
    answers = document.answers
    first_open = next(
        (i for i, screen in enumerate(screens) if not is_done(screen, answers, done)), None
    )
    return Position(screens, first_open, possible_screens(path, document.subject_age))


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
