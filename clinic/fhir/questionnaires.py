"""A Questionnaire for each instrument (and clinic-question section) and each flow.

Built from the definitions in `forms`, so the FHIR view can never drift from what
clients are asked: item `linkId` is our item id, answer options carry our codes and
English labels (with the published Spanish wording as `translation` extensions where
one exists), `code` is LOINC only where the definition names one, and the
definition's version is `Questionnaire.version`.

Branching: an item's show-when rule becomes `enableWhen` when FHIR can say it (answers
equal to codes, any or all of them). "Prefer not to answer" also enables some items;
FHIR's `enableWhen` cannot say that, and `docs/fhir.md` lists those items. A flow's
section rules that look at totals or screen results are not expressed: the flow's
section groups carry no `enableWhen`, and the intake decides.
"""

from __future__ import annotations

from functools import cache

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.fhirprimitiveextension import FHIRPrimitiveExtension
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
    QuestionnaireItemEnableWhen,
)

import forms
from clinic.fhir import codes
from forms.conditions import AllOf, AnswerIn, AnyOf, Condition
from forms.flows import FLOWS, PATH_SPECS
from forms.model import Definition, Item, Text

SPANISH = "es"


def questionnaire_ids() -> tuple[str, ...]:
    """Every Questionnaire id: each section, then each flow (`flow-adult-self`)."""
    sections = tuple(codes.fhir_id(section) for section in forms.SECTION_IDS)
    return sections + tuple(flow_id(path) for path in PATH_SPECS)


def flow_id(path: str) -> str:
    return "flow-" + codes.fhir_id(path)


def questionnaire(questionnaire_id: str) -> Questionnaire | None:
    """The Questionnaire with that id, or None."""
    for path in PATH_SPECS:
        if flow_id(path) == questionnaire_id:
            return flow_questionnaire(path)
    for section in forms.SECTION_IDS:
        if codes.fhir_id(section) == questionnaire_id:
            return section_questionnaire(section)
    return None


def section_questionnaire(section: str) -> Questionnaire:
    definition = forms.get_definition(section)
    return Questionnaire(
        id=codes.fhir_id(section),
        url=codes.canonical("Questionnaire", codes.fhir_id(section)),
        version=definition.version,
        name=_computable_name(section),
        title=definition.title.default,
        status="active",
        subjectType=["Patient"],
        description=definition.source if definition.is_instrument else None,
        copyright=definition.licence if definition.is_instrument else None,
        code=_loinc(definition.loinc_panel),
        item=list(_section_items(definition)),
    )


def flow_questionnaire(path: str) -> Questionnaire:
    spec = PATH_SPECS[path]
    groups = []
    for entry in spec.entries:
        definition = forms.get_definition(entry.section)
        groups.append(
            QuestionnaireItem(
                linkId=entry.section,
                text=definition.title.for_path(path),
                type="group",
                definition=codes.canonical("Questionnaire", codes.fhir_id(entry.section)),
                item=list(_section_items(definition, path)),
            )
        )
    return Questionnaire(
        id=flow_id(path),
        url=codes.canonical("Questionnaire", flow_id(path)),
        version=FLOWS.version,
        name=_computable_name(f"flow_{path}"),
        title=f"Intake ({path.replace('_', ' ')}, ages {spec.min_age}-{spec.max_age})",
        status="active",
        subjectType=["Patient"],
        item=groups,
    )


def _section_items(definition: Definition, path: str | None = None) -> list[QuestionnaireItem]:
    translations = _spanish(definition)
    return [_item(item, path, translations) for item in definition.items]


def _item(item: Item, path: str | None, spanish: dict[str, str]) -> QuestionnaireItem:
    enable_when, behaviour = _enable_when(item.show_when)
    return QuestionnaireItem(
        linkId=item.id,
        text=_for(item.text, path),
        text__ext=_translated(spanish.get(item.id)),
        type="choice",
        required=False,
        code=_loinc(item.loinc),
        enableWhen=enable_when or None,
        enableBehavior=behaviour,
        answerOption=[
            QuestionnaireItemAnswerOption(
                valueCoding=Coding(code=str(option.code), display=option.label)
            )
            for option in item.options
        ],
    )


def _enable_when(
    condition: Condition | None,
) -> tuple[list[QuestionnaireItemEnableWhen], str | None]:
    """FHIR `enableWhen` for an item's show-when rule (coded answers only)."""
    if condition is None:
        return [], None
    if isinstance(condition, AnswerIn):
        return _equals(condition), "any" if len(_equals(condition)) > 1 else None
    if isinstance(condition, AnyOf | AllOf) and all(
        isinstance(part, AnswerIn) for part in condition.conditions
    ):
        parts = [
            when
            for part in condition.conditions
            if isinstance(part, AnswerIn)
            for when in _equals(part)
        ]
        return parts, "any" if isinstance(condition, AnyOf) else "all"
    return [], None


def _equals(condition: AnswerIn) -> list[QuestionnaireItemEnableWhen]:
    return [
        QuestionnaireItemEnableWhen(
            question=condition.item, operator="=", answerCoding=Coding(code=str(value))
        )
        for value in sorted(v for v in condition.values if v is not None)
    ]


def items_enabled_by_refusal() -> tuple[str, ...]:
    """Items a "prefer not to answer" also shows, which `enableWhen` cannot say."""
    return tuple(
        item.id
        for section in forms.SECTION_IDS
        for item in forms.get_definition(section).items
        if isinstance(item.show_when, AnswerIn | AnyOf | AllOf) and None in _values(item.show_when)
    )


def _values(condition: Condition) -> set[int | None]:
    if isinstance(condition, AnswerIn):
        return set(condition.values)
    if isinstance(condition, AnyOf | AllOf):
        return {value for part in condition.conditions for value in _values(part)}
    return set()


@cache
def _spanish_texts(section: str) -> dict[str, str]:
    translation = forms.get_definition(section).translations.get(SPANISH)
    if translation is None or translation.wording is None:
        return {}
    return {item_id: text.default for item_id, text in translation.wording.items.items()}


def _spanish(definition: Definition) -> dict[str, str]:
    return _spanish_texts(definition.id)


def _translated(text: str | None) -> FHIRPrimitiveExtension | None:
    if text is None:
        return None
    return FHIRPrimitiveExtension(
        extension=[
            Extension(
                url=codes.TRANSLATION,
                extension=[
                    Extension(url="lang", valueCode=SPANISH),
                    Extension(url="content", valueString=text),
                ],
            )
        ]
    )


def _loinc(code: str | None) -> list[Coding] | None:
    return [Coding(system=codes.LOINC, code=code)] if code else None


def _for(text: Text, path: str | None) -> str:
    return text.for_path(path) if path is not None else text.default


def _computable_name(value: str) -> str:
    return "".join(part.capitalize() for part in value.replace("-", "_").split("_"))
