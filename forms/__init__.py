"""Screening instruments and clinic questions as data: scoring, flows, forms.

Pure package (wtforms, yaml, pydantic and the stdlib only). Public API:

Definitions
    ``INSTRUMENT_IDS`` -- every scorable instrument id (``pcl5`` included, library only).
    ``SECTION_IDS`` / ``CLINIC_SECTION_IDS`` -- instruments plus clinic-question sections.
    ``get_definition(id) -> Definition`` -- title, items (wording, option codes), version,
    why, content note, source, licence, scoring. Raises ``UnknownInstrument``.
    ``DefinitionError`` -- a broken definition file; the message names file and field.

Scoring
    ``score(instrument_id, answers, *, context=None) -> Score`` -- see
    :mod:`forms.scoring` for the missing-answer rule and ``context`` keys.

Flows (see :mod:`forms.flows`)
    ``path_fits_age(path, age) -> bool``; ``flow_for(path, subject_age) -> Flow``;
    ``next_steps(path, subject_age, answers) -> FlowState``;
    ``relevant_answers(path, subject_age, answers) -> dict`` (drops answers that
    branching made irrelevant; use before scoring);
    ``instruments_in_flow(path, subject_age, answers) -> tuple[str, ...]``;
    ``score_intake(path, subject_age, answers, *, context=None) -> IntakeScores`` (both
    in one walk, the answers checked once: what routing calls).
    ``flow_for``, ``next_steps`` and ``section_title`` take ``language=``: a section
    translated in ``definitions/<language>/`` is worded in it, else in English
    (``SOURCE_LANGUAGE``); each :class:`Step` says which (see :mod:`forms.translation`).

Forms and validation
    ``build_step_form(step) -> type[StepForm]`` -- a plain ``wtforms.Form`` per step;
    ``validate_answers(path, subject_age, answers, *, complete=False) -> list[AnswerError]``.
"""

from forms.fields import DefinitionError
from forms.flows import (
    Flow,
    FlowState,
    IntakeScores,
    LocalText,
    Question,
    Step,
    flow_for,
    instruments_in_flow,
    next_steps,
    path_fits_age,
    relevant_answers,
    score_intake,
    section_title,
    sections_walk,
)
from forms.model import PATHS, SOURCE_LANGUAGE, Definition
from forms.registry import (
    CLINIC_SECTION_IDS,
    INSTRUMENT_IDS,
    SECTION_IDS,
    UnknownInstrument,
    get_definition,
)
from forms.scoring import Score, score
from forms.validation import AnswerError, validate_answers
from forms.wtf import PREFER_NOT_TO_ANSWER, StepForm, build_step_form

__all__ = [
    "CLINIC_SECTION_IDS",
    "INSTRUMENT_IDS",
    "PATHS",
    "PREFER_NOT_TO_ANSWER",
    "SECTION_IDS",
    "SOURCE_LANGUAGE",
    "AnswerError",
    "Definition",
    "DefinitionError",
    "Flow",
    "FlowState",
    "IntakeScores",
    "LocalText",
    "Question",
    "Score",
    "Step",
    "StepForm",
    "UnknownInstrument",
    "build_step_form",
    "flow_for",
    "get_definition",
    "instruments_in_flow",
    "next_steps",
    "path_fits_age",
    "relevant_answers",
    "score",
    "score_intake",
    "section_title",
    "sections_walk",
    "validate_answers",
]
