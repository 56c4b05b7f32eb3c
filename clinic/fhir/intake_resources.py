"""An intake as FHIR: Patient, QuestionnaireResponse, an Observation per score, a Flag
per safety flag.

Answers are decrypted only here, inside the export, and only for a caller already
allowed to see the intake. "Prefer not to answer" is an answer carrying the
data-absent-reason `asked-declined`; a question never asked has no item at all.
The Patient holds nothing the intake does not: no identifiers are made up, and
contact details stay in the console, with the client's safe-contact wishes that
FHIR cannot carry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference

import forms
from clinic.fhir import codes
from clinic.fhir.questionnaires import flow_id
from clinic.models import IntakeSubmission
from clinic.models.documents import AnswersDocument, decision_of, readable_answers_of
from forms.flows import FLOWS
from forms.model import Item
from forms.registry import ITEMS, section_of


def patient_reference(submission: IntakeSubmission) -> Reference:
    return Reference(reference=f"Patient/{submission.id}")


def response_reference(submission: IntakeSubmission) -> Reference:
    return Reference(reference=f"QuestionnaireResponse/{submission.id}")


def patient(submission: IntakeSubmission) -> Patient:
    answers = readable_answers_of(submission)
    sex = answers.sex if answers is not None else None
    return Patient(
        id=str(submission.id),
        meta=_meta(submission),
        active=True,
        gender=sex if sex in ("female", "male") else ("other" if sex == "other" else None),
    )


def questionnaire_response(submission: IntakeSubmission) -> QuestionnaireResponse:
    answers = readable_answers_of(submission)
    return QuestionnaireResponse(
        id=str(submission.id),
        meta=_meta(submission),
        questionnaire=codes.canonical("Questionnaire", flow_id(submission.path))
        + f"|{FLOWS.version}",
        status="stopped" if submission.submitted_partial else "completed",
        subject=patient_reference(submission),
        authored=submission.submitted_at,
        item=list(_response_items(answers)) if answers is not None else None,
    )


def _response_items(document: AnswersDocument) -> Iterator[QuestionnaireResponseItem]:
    by_section: dict[str, list[QuestionnaireResponseItem]] = {}
    for item_id, code in document.answers.items():
        item = ITEMS.get(item_id)
        if item is None:
            continue
        by_section.setdefault(section_of(item_id), []).append(
            QuestionnaireResponseItem(
                linkId=item_id, text=item.text.default, answer=[_answer(item, code)]
            )
        )
    for section, items in by_section.items():
        yield QuestionnaireResponseItem(
            linkId=section, text=forms.get_definition(section).title.default, item=items
        )


def _answer(item: Item, code: int | None) -> QuestionnaireResponseItemAnswer:
    if code is None:
        return QuestionnaireResponseItemAnswer(extension=[_declined()])
    labels = {option.code: option.label for option in item.options}
    return QuestionnaireResponseItemAnswer(
        valueCoding=Coding(code=str(code), display=labels.get(code))
    )


def _declined() -> Extension:
    return Extension(url=codes.DATA_ABSENT_REASON, valueCode="asked-declined")


def observations(submission: IntakeSubmission) -> list[Observation]:
    scores: Mapping[str, Mapping[str, object]] = submission.scores or {}
    return [_observation(submission, name, score) for name, score in scores.items()]


def observation_id(submission: IntakeSubmission, instrument: str) -> str:
    return f"{submission.id}-{codes.fhir_id(instrument)}"


def _observation(
    submission: IntakeSubmission, instrument: str, score: Mapping[str, object]
) -> Observation:
    definition = forms.get_definition(instrument)
    total = score.get("total")
    coding = (
        [Coding(system=codes.LOINC, code=definition.loinc_total)]
        if definition.loinc_total
        else None
    )
    return Observation(
        id=observation_id(submission, instrument),
        meta=_meta(submission),
        status="final",
        category=[
            CodeableConcept(coding=[Coding(system=codes.OBSERVATION_CATEGORY, code="survey")])
        ],
        code=CodeableConcept(coding=coding, text=f"{definition.title.default}: total score"),
        subject=patient_reference(submission),
        effectiveDateTime=submission.submitted_at,
        issued=submission.routed_at,
        valueInteger=total if isinstance(total, int) else None,
        dataAbsentReason=None if isinstance(total, int) else _not_scored(),
        interpretation=_interpretation(score) or None,
        component=[
            ObservationComponent(
                code=CodeableConcept(text=name),
                valueInteger=value if isinstance(value, int) else None,
                dataAbsentReason=None if isinstance(value, int) else _not_scored(),
            )
            for name, value in _mapping(score.get("subscales")).items()
        ]
        or None,
        derivedFrom=[response_reference(submission)],
    )


def _interpretation(score: Mapping[str, object]) -> list[CodeableConcept]:
    found = []
    positive = score.get("positive")
    if isinstance(positive, bool):
        code, display = ("POS", "Positive") if positive else ("NEG", "Negative")
        found.append(
            CodeableConcept(
                coding=[Coding(system=codes.INTERPRETATION, code=code, display=display)]
            )
        )
    band = score.get("band")
    if isinstance(band, str):
        found.append(CodeableConcept(text=band))
    return found


def _not_scored() -> CodeableConcept:
    return CodeableConcept(
        coding=[Coding(system=codes.DATA_ABSENT_REASON_CODES, code="unknown")],
        text="not scored: answers were missing",
    )


def safety_flags(submission: IntakeSubmission) -> list[str]:
    """The intake's safety flags: the decision's flags and the safety facts that hold."""
    decision = decision_of(submission)
    if decision is None:
        return []
    facts = [
        name for name in codes.SAFETY_FACTS if (fact := decision.facts.get(name)) and fact.value
    ]
    return facts + [flag for flag in decision.flags if flag not in facts]


def flags(submission: IntakeSubmission) -> list[Flag]:
    return [_flag(submission, name) for name in safety_flags(submission)]


def flag_id(submission: IntakeSubmission, name: str) -> str:
    return f"{submission.id}-{codes.fhir_id(name)}"


def _flag(submission: IntakeSubmission, name: str) -> Flag:
    return Flag(
        id=flag_id(submission, name),
        meta=_meta(submission),
        status="active",
        category=[CodeableConcept(coding=[Coding(system=codes.FLAG_CATEGORY, code="clinical")])],
        code=CodeableConcept(
            coding=[
                Coding(
                    system=codes.flag_system(),
                    code=name,
                    display=codes.safety_flag_label(name).label,
                )
            ]
        ),
        subject=patient_reference(submission),
        period=Period(start=submission.routed_at or submission.submitted_at),
        extension=[Extension(url=codes.FLAG_DETAIL, valueReference=response_reference(submission))],
    )


def _meta(submission: IntakeSubmission) -> Meta:
    return Meta(lastUpdated=submission.routed_at or submission.updated_at)


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}
