"""Intake flows: which steps are asked, in what order, given the answers so far.

A *step* is one screen: a whole section (``phq9``, ``safety``) or a part of a longer
one (``itq-ptsd``, ``cats_7_17-symptoms_1``). Each :class:`Step` carries what the
web layer renders: title, instructions, "why we ask", content note (or None), and
its :class:`Question` s with wording already chosen for the path, the option codes
and labels, and whether "prefer not to answer" (stored as None) is offered.

Branching is recomputed from the answers every time (no hidden state):

* ``path_fits_age(path, age)`` -- adult_self 18+, teen_self 12-17, caregiver_child 0-17.
* ``flow_for(path, subject_age)`` -- every step that may be asked at that age (sections
  and clinic questions with ``ages`` outside it left out).
* ``next_steps(path, subject_age, answers)`` -- a :class:`FlowState`: the steps to ask
  given the answers (only their relevant questions), the ones still unanswered
  (``next_step`` first), ``total_steps`` (it can change as answers branch) and the
  answered ids that branching made irrelevant.
* ``relevant_answers(...)`` -- the answers minus those irrelevant ones; score from this.
* ``instruments_in_flow(...)`` -- the instrument ids to score, in flow order.

A question counts as answered when its id is present (``None`` = prefer not to
answer). Show-when rules only look at earlier steps, so a step's questions are
settled before it is shown. Unknown answer ids raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import NamedTuple

from pydantic import ValidationError

from forms.conditions import (
    Condition,
    EarlierResults,
    evaluate,
)
from forms.fields import read_yaml
from forms.flows_schema import MAX_AGE, AgesEntry, FlowsEntry, PathEntry
from forms.model import (
    PATHS,
    SOURCE_LANGUAGE,
    Definition,
    Option,
    StepSpec,
    StepWording,
    Text,
)
from forms.registry import DEFINITIONS, ITEMS
from forms.schema import definition_error
from forms.scoring import Score, check_answers, score, total_bounds

FLOWS_FILE = Path(__file__).parent / "flows.yaml"
MAX_QUESTIONS = 5
"""The most questions on one screen: a longer step is asked over consecutive screens."""


class LocalText(NamedTuple):
    """Text to show and the language it is in."""

    text: str
    language: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Step:
    """One screen of at most :data:`MAX_QUESTIONS` questions. ``title`` is the plain
    heading clients see (never the instrument's name). ``language`` is the language of its
    instructions, questions and answer labels; ``note_language`` that of ``why`` and
    ``content_note``; ``title_language`` that of ``title``. Each is English when the
    section has no translation (or no translated wording) for the language asked for,
    and the web layer marks such text with ``lang``."""

    id: str
    section: str
    title: str
    instructions: str
    why: str
    content_note: str | None
    questions: tuple[Question, ...]
    language: str = SOURCE_LANGUAGE
    note_language: str = SOURCE_LANGUAGE
    title_language: str = SOURCE_LANGUAGE

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(question.id for question in self.questions)


@dataclass(frozen=True)
class Flow:
    path: str
    subject_age: int
    respondent: str
    sections: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class FlowState:
    path: str
    subject_age: int
    steps: tuple[Step, ...]
    remaining: tuple[Step, ...]
    irrelevant: frozenset[str]
    instruments: tuple[str, ...]

    @property
    def next_step(self) -> Step | None:
        return self.remaining[0] if self.remaining else None

    @property
    def total_steps(self) -> int:
        return len(self.steps)

    @property
    def step_number(self) -> int | None:
        """1-based position of ``next_step`` among ``steps`` (None when complete)."""
        step = self.next_step
        return None if step is None else self.steps.index(step) + 1

    @property
    def complete(self) -> bool:
        return not self.remaining


@dataclass(frozen=True)
class _Entry:
    section: str
    min_age: int | None = None
    max_age: int | None = None
    when: Condition | None = None

    def fits(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


@dataclass(frozen=True)
class _PathSpec:
    id: str
    respondent: str
    min_age: int
    max_age: int
    entries: tuple[_Entry, ...]


@dataclass(frozen=True)
class FlowsFile:
    """The flows file: its version, what changed by version, and the paths."""

    version: str
    changes: Mapping[str, tuple[str, ...]]
    paths: Mapping[str, _PathSpec]


def load_flows(file: Path = FLOWS_FILE) -> FlowsFile:
    """Parse and check the flows file; errors name the file and the field."""
    try:
        entry = FlowsEntry.model_validate(read_yaml(file))
    except ValidationError as error:
        raise definition_error(file, error) from None
    specs = {path_id: _path_spec_of(path_id, path) for path_id, path in entry.paths.items()}
    return FlowsFile(entry.version, entry.changes or {}, specs)


def _path_spec_of(path_id: str, path: PathEntry) -> _PathSpec:
    ages = path.ages or AgesEntry()
    entries = tuple(
        _Entry(
            section.section,
            section.ages.min if section.ages else None,
            section.ages.max if section.ages else None,
            section.when,
        )
        for section in path.sections
    )
    return _PathSpec(
        path_id,
        path.respondent,
        0 if ages.min is None else ages.min,
        MAX_AGE if ages.max is None else ages.max,
        entries,
    )


FLOWS: FlowsFile = load_flows()
PATH_SPECS: Mapping[str, _PathSpec] = FLOWS.paths


def _path_spec(path: str) -> _PathSpec:
    spec = PATH_SPECS.get(path)
    if spec is None:
        raise ValueError(f"unknown path {path!r}; known: {', '.join(PATHS)}")
    return spec


def path_fits_age(path: str, age: int) -> bool:
    """Whether ``path`` serves a subject of ``age``; ValueError for an unknown path."""
    spec = _path_spec(path)
    return (
        isinstance(age, int) and not isinstance(age, bool) and spec.min_age <= age <= spec.max_age
    )


def _checked_spec(path: str, subject_age: int) -> _PathSpec:
    spec = _path_spec(path)
    if not path_fits_age(path, subject_age):
        raise ValueError(
            f"path {path!r} is for ages {spec.min_age}-{spec.max_age}, not {subject_age!r}"
        )
    return spec


def _screens_of(step: Step) -> tuple[Step, ...]:
    """``step`` split into consecutive screens of at most MAX_QUESTIONS questions, as even
    as possible. The first keeps the step's id; the others add ``-2``, ``-3``..."""
    count = -(-len(step.questions) // MAX_QUESTIONS)
    if count <= 1:
        return (step,)
    size, extra = divmod(len(step.questions), count)
    screens, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        step_id = step.id if index == 0 else f"{step.id}-{index + 1}"
        screens.append(replace(step, id=step_id, questions=step.questions[start:end]))
        start = end
    return tuple(screens)


@cache
def section_steps(section_id: str, path: str, language: str = SOURCE_LANGUAGE) -> tuple[Step, ...]:
    """All steps of a section, worded for ``path`` in ``language`` where translated, each
    of at most MAX_QUESTIONS questions (answer ids, order and branching are unchanged:
    an item's show-when looks only at items of earlier steps, so of earlier screens)."""
    definition: Definition = DEFINITIONS[section_id]
    translation = definition.translations.get(language)
    wording = translation.wording if translation is not None else None
    notes = translation if translation is not None else definition
    steps: list[Step] = []
    for spec in definition.steps:
        items = [definition.items_by_id[i] for i in spec.items]
        if wording is None:
            questions = tuple(
                Question(item.id, item.text.for_path(path), item.options) for item in items
            )
            instructions = spec.instructions or definition.instructions
        else:
            questions = tuple(
                Question(
                    item.id,
                    wording.items[item.id].for_path(path),
                    tuple(Option(o.code, wording.options[item.id][o.code]) for o in item.options),
                )
                for item in items
            )
            instructions = (
                wording.steps.get(spec.id, StepWording()).instructions or wording.instructions
            )
        step = Step(
            id=spec.id,
            section=section_id,
            title=_step_title(definition, spec, language).for_path(path),
            instructions=instructions.for_path(path),
            why=notes.why.for_path(path),
            content_note=notes.content_note.for_path(path) if notes.content_note else None,
            questions=questions,
            language=language if wording is not None else SOURCE_LANGUAGE,
            note_language=language if translation is not None else SOURCE_LANGUAGE,
            title_language=language if translation is not None else SOURCE_LANGUAGE,
        )
        steps.extend(_screens_of(step))
    return tuple(steps)


def _step_title(definition: Definition, spec: StepSpec, language: str) -> Text:
    """The step's own heading where it has one (translated with the wording), else the
    section's plain title; in ``language`` whenever the section is translated."""
    translation = definition.translations.get(language)
    if translation is None:
        return spec.title or definition.title
    wording = translation.wording
    if wording is not None and spec.id in wording.steps:
        return wording.steps[spec.id].title or translation.title
    return translation.title


def section_title(section_id: str, path: str, language: str = SOURCE_LANGUAGE) -> LocalText:
    """A section's plain title for ``path``, in ``language`` where the section is translated."""
    definition = DEFINITIONS[section_id]
    translation = definition.translations.get(language)
    if translation is not None:
        return LocalText(translation.title.for_path(path), language)
    return LocalText(definition.title.for_path(path), SOURCE_LANGUAGE)


def flow_for(path: str, subject_age: int, *, language: str = SOURCE_LANGUAGE) -> Flow:
    """Every section and step that may be asked on ``path`` at ``subject_age``."""
    spec = _checked_spec(path, subject_age)
    sections = tuple(e.section for e in spec.entries if e.fits(subject_age))
    steps = tuple(
        step for section in sections for step in _steps_at_age(section, path, language, subject_age)
    )
    return Flow(path, subject_age, spec.respondent, sections, steps)


@cache
def _steps_at_age(section_id: str, path: str, language: str, subject_age: int) -> tuple[Step, ...]:
    """The section's steps with only the questions asked at ``subject_age`` (built once)."""
    items = DEFINITIONS[section_id].items_by_id
    return tuple(
        _with_questions(step, shown)
        for step in section_steps(section_id, path, language)
        if (shown := tuple(q for q in step.questions if items[q.id].asked_at(subject_age)))
    )


def _with_questions(step: Step, questions: tuple[Question, ...]) -> Step:
    return step if len(questions) == len(step.questions) else replace(step, questions=questions)


@dataclass(frozen=True)
class _Walk:
    steps: tuple[Step, ...]
    relevant: dict[str, int | None]
    instruments: tuple[str, ...]


def _walk(
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    context: Mapping[str, object] | None,
    language: str = SOURCE_LANGUAGE,
    *,
    trusted: bool = False,
) -> _Walk:
    """Walk the flow over the answers; ``trusted``: they were checked (``check_answers``)."""
    spec = _checked_spec(path, subject_age)
    unknown = sorted(key for key in answers if key not in ITEMS)
    if unknown:
        raise ValueError(f"unknown answer ids: {', '.join(unknown)}")
    score_context = {**(context or {}), "subject_age": subject_age}
    relevant: dict[str, int | None] = {}
    steps: list[Step] = []
    instruments: list[str] = []

    results = EarlierResults(
        positive=lambda instrument: (
            score(instrument, relevant, context=score_context, trusted=trusted).positive
        ),
        total_bounds=lambda instrument: total_bounds(
            instrument, relevant, context=score_context, trusted=trusted
        ),
    )
    for entry in spec.entries:
        if not entry.fits(subject_age):
            continue
        if entry.when is not None and not evaluate(entry.when, relevant, results):
            continue
        definition = DEFINITIONS[entry.section]
        if definition.is_instrument:
            instruments.append(entry.section)
        for step, conditions in _step_conditions(entry.section, path, language, subject_age):
            shown = tuple(
                question
                for question, condition in zip(step.questions, conditions, strict=True)
                if condition is None or evaluate(condition, relevant)
            )
            for question in shown:
                if question.id in answers:
                    relevant[question.id] = answers[question.id]
            if shown:
                steps.append(_with_questions(step, shown))
    return _Walk(tuple(steps), relevant, tuple(instruments))


@cache
def _step_conditions(
    section_id: str, path: str, language: str, subject_age: int
) -> tuple[tuple[Step, tuple[Condition | None, ...]], ...]:
    """Each step asked at ``subject_age`` with its questions' show-when rules (built once)."""
    items = DEFINITIONS[section_id].items_by_id
    return tuple(
        (step, tuple(items[question.id].show_when for question in step.questions))
        for step in _steps_at_age(section_id, path, language, subject_age)
    )


def next_steps(
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    *,
    context: Mapping[str, object] | None = None,
    language: str = SOURCE_LANGUAGE,
) -> FlowState:
    """Where the intake stands: steps to ask, what remains, what branching dropped.

    ``context`` (optional) is passed to scoring for branch conditions, e.g. a clinic's
    ``cut_offs``; ``subject_age`` is always set from the argument. ``language`` picks
    the steps' wording where the section is translated (see :class:`Step`).
    """
    walk = _walk(path, subject_age, answers, context, language)
    remaining = tuple(
        step for step in walk.steps if any(q.id not in answers for q in step.questions)
    )
    irrelevant = frozenset(key for key in answers if key not in walk.relevant)
    return FlowState(path, subject_age, walk.steps, remaining, irrelevant, walk.instruments)


def relevant_answers(
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    *,
    context: Mapping[str, object] | None = None,
) -> dict[str, int | None]:
    """The answers that still count: drops those branching made irrelevant."""
    return _walk(path, subject_age, answers, context).relevant


@dataclass(frozen=True)
class IntakeScores:
    """What routing needs of an intake: the answers that still count and their scores."""

    relevant: dict[str, int | None]
    scores: dict[str, Score]


def score_intake(
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    *,
    context: Mapping[str, object] | None = None,
) -> IntakeScores:
    """Drop the answers branching made irrelevant and score every instrument asked, in
    one walk of the flow; the same as ``relevant_answers`` then ``score`` for each of
    ``instruments_in_flow``, faster.

    The answers are checked once (``check_answers``: ValueError naming the item for an
    unknown id or a value that is not an allowed code), then scored without checking
    them again. Branching is walked as the form walks it (``subject_age`` only);
    ``context`` (e.g. ``sex``, ``cut_offs``) goes to the scores, with ``subject_age``.
    """
    check_answers(answers)
    walk = _walk(path, subject_age, answers, None, trusted=True)
    score_context = {**(context or {}), "subject_age": subject_age}
    scores = {
        instrument: score(instrument, walk.relevant, context=score_context, trusted=True)
        for instrument in walk.instruments
    }
    return IntakeScores(walk.relevant, scores)


def instruments_in_flow(
    path: str,
    subject_age: int,
    answers: Mapping[str, int | None],
    *,
    context: Mapping[str, object] | None = None,
) -> tuple[str, ...]:
    """Instrument ids to score for this intake, in flow order (after branching)."""
    return _walk(path, subject_age, answers, context).instruments


def sections_walk(
    path: str,
    subject_age: int,
    sections: tuple[str, ...],
    answers: Mapping[str, int | None],
    *,
    language: str = SOURCE_LANGUAGE,
) -> FlowState:
    """Only ``sections`` of the path's flow (those it asks at ``subject_age``, in flow
    order, whatever their flow conditions), with each item's own branching: a re-screen.
    Each step of a definition is one screen here (not split into screens of
    MAX_QUESTIONS): a short re-screen asks an instrument on one page.
    """
    spec = _checked_spec(path, subject_age)
    chosen = [e.section for e in spec.entries if e.fits(subject_age) and e.section in sections]
    relevant: dict[str, int | None] = {}
    steps: list[Step] = []
    for section in chosen:
        definition = DEFINITIONS[section]
        for step in _steps_at_age(section, path, language, subject_age):
            shown = tuple(
                question
                for question in step.questions
                if (condition := definition.items_by_id[question.id].show_when) is None
                or evaluate(condition, relevant)
            )
            for question in shown:
                if question.id in answers:
                    relevant[question.id] = answers[question.id]
            if shown:
                steps.append(_with_questions(step, shown))
    steps = _joined(steps)
    remaining = tuple(step for step in steps if any(q.id not in answers for q in step.questions))
    irrelevant = frozenset(key for key in answers if key not in relevant)
    instruments = tuple(s for s in chosen if DEFINITIONS[s].is_instrument)
    return FlowState(path, subject_age, tuple(steps), remaining, irrelevant, instruments)


def _joined(steps: list[Step]) -> list[Step]:
    """The screens `_screens_of` split from one step (`id`, `id-2`, ...) as one again."""
    joined: list[Step] = []
    for step in steps:
        root, _, number = step.id.rpartition("-")
        if joined and number.isdigit() and root == joined[-1].id:
            joined[-1] = replace(joined[-1], questions=joined[-1].questions + step.questions)
        else:
            joined.append(step)
    return joined
