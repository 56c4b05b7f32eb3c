"""Validate a whole answers dict (JSON API) against the same definitions as the forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from forms.flows import PATH_SPECS, flow_for, next_steps, path_fits_age
from forms.model import PATHS
from forms.registry import ITEMS


@dataclass(frozen=True)
class AnswerError:
    """One problem with one field (an answer id, or ``path`` / ``subject_age``)."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def validate_answers(
    path: str,
    subject_age: int,
    answers: Mapping[str, object],
    *,
    complete: bool = False,
) -> list[AnswerError]:
    """Errors for ids not asked on this path and age, values that are not an allowed code,
    and ``None`` where "prefer not to answer" is not offered. With ``complete=True`` also
    every question still to be asked (after branching) is reported as required.
    Answers that branching made irrelevant are accepted (they are dropped before scoring).
    """
    if path not in PATH_SPECS:
        return [AnswerError("path", f"unknown path {path!r}; known: {', '.join(PATHS)}")]
    if not path_fits_age(path, subject_age):
        spec = PATH_SPECS[path]
        return [
            AnswerError(
                "subject_age",
                f"{subject_age!r} is outside {path}'s ages {spec.min_age}-{spec.max_age}",
            )
        ]
    questions = {q.id: q for step in flow_for(path, subject_age).steps for q in step.questions}
    errors: list[AnswerError] = []
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            reason = "is not asked on this path at this age" if key in ITEMS else "unknown question"
            errors.append(AnswerError(str(key), reason))
        elif value is None:
            continue  # prefer not to answer: allowed on every question
        elif (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value not in {o.code for o in question.options}
        ):
            codes = ", ".join(str(o.code) for o in question.options)
            errors.append(AnswerError(key, f"{value!r} is not allowed; use one of {codes} or null"))
    if complete and not errors:
        typed = {k: v for k, v in answers.items() if v is None or isinstance(v, int)}
        for step in next_steps(path, subject_age, typed).remaining:
            errors.extend(
                AnswerError(q.id, "this question has not been answered")
                for q in step.questions
                if q.id not in answers
            )
    return errors
