"""What the referral page shows, read from the submission's encrypted documents.

The decision (`referrals` Decision.as_dict()), the scores (`forms`
Score.as_dict() by instrument) and the answers are turned into plain values
for the templates: risk lines, explanation sentences, score bars, answers by
section ("prefer not to answer" is not "not asked") and contact wishes.

A stored part that cannot be read (not decrypted, or not as its definition says)
is marked unreadable, and the page says that part could not be displayed; it
never guesses (an unreadable contact document is not "do not contact").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import forms
from clinic.models import IntakeSubmission, Referral
from clinic.models.documents import (
    ContactDocument,
    DecisionDocument,
    FactRecord,
    Reading,
    answers_reading,
    explanation_reading,
)
from clinic.staff.charts import ScoreBar, score_bar

RISK_FACTS = (
    ("acute", "Acute risk"),
    ("suicide_risk", "Suicide risk"),
)
PARTNER_SAFETY = "partner_safety"
SAFE_TIMES = {
    "weekday_morning": "weekday mornings",
    "weekday_afternoon": "weekday afternoons",
    "weekday_evening": "weekday evenings",
    "weekend": "weekends",
}
PREFER_NOT = "Prefer not to answer"


@dataclass(frozen=True)
class RiskLine:
    title: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ScoreView:
    instrument: str
    title: str
    summary: str
    """E.g. 'Total 12 of 27 · moderate · positive (cut-off 10)'."""
    bar: ScoreBar | None
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerView:
    id: str
    text: str
    answer: str
    kind: str
    """'answered', 'prefer_not' or 'not_asked'."""


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    answers: tuple[AnswerView, ...]


@dataclass(frozen=True)
class ChannelView:
    name: str
    allowed: bool
    detail: str | None
    wishes: tuple[str, ...]


@dataclass(frozen=True)
class ContactView:
    name: str | None
    do_not_contact: bool
    channels: tuple[ChannelView, ...]
    safe_times: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    unreadable: bool = False
    """The stored contact document could not be read: nothing above is known."""


@dataclass(frozen=True)
class Sentences:
    sentences: list[str]
    unreadable: bool
    """The referral's explanation or the decision is stored but could not be read."""


@dataclass(frozen=True)
class ScoresView:
    scores: list[ScoreView]
    unreadable: bool
    """The scores, or one instrument's, are stored but could not be read."""


@dataclass(frozen=True)
class AnswersView:
    sections: list[SectionView]
    unreadable: bool
    """The answers are stored but could not be read."""


UNREADABLE_SCORE = (AttributeError, KeyError, TypeError, ValueError)
"""What building a score's line raises when its stored result is not as `forms` wrote it."""


def risk_lines(referral: Referral, decision: DecisionDocument | None) -> list[RiskLine]:
    """The risk banner: acute, suicide risk, partner safety (from the stored decision)."""
    lines: list[RiskLine] = []
    facts = decision.facts if decision is not None else {}
    no_fact = FactRecord(value=False)
    for name, title in RISK_FACTS:
        fact = facts.get(name, no_fact)
        if fact.value:
            lines.append(RiskLine(title, tuple(fact.evidence)))
    if decision is not None and PARTNER_SAFETY in decision.flags:
        notes = tuple(n for n in decision.notes if "artner" in n)
        partner_risk = facts.get("partner_risk", no_fact)
        lines.append(RiskLine("Partner safety", notes or tuple(partner_risk.evidence)))
    if not lines and decision is None and referral.priority == "urgent":
        lines.append(RiskLine("Urgent", ("see the routing explanation",)))
    return lines


def explanation(referral: Referral, decision: Reading[DecisionDocument]) -> Sentences:
    """Plain sentences: why this referral, then the decision's own explanation."""
    sentences: list[str] = []
    own = explanation_reading(referral)
    if own.document is not None and own.document.sentence:
        sentences.append(own.document.sentence)
    document = decision.document
    for sentence in document.explanation if document is not None else ():
        if sentence not in sentences:
            sentences.append(sentence)
    return Sentences(sentences, unreadable=own.unreadable or decision.unreadable)


def score_views(scores: Reading[dict[str, dict[str, Any]]]) -> ScoresView:
    views = []
    unreadable = scores.unreadable
    for instrument, result in (scores.document or {}).items():
        try:
            definition = forms.get_definition(instrument)
        except forms.UnknownInstrument:
            continue
        try:
            views.append(_score_view(definition, result))
        except UNREADABLE_SCORE:
            unreadable = True
    return ScoresView(views, unreadable)


def _score_view(definition: forms.Definition, result: Mapping[str, Any]) -> ScoreView:
    total = result.get("total")
    cut_off = result.get("cut_off")
    scoring = definition.scoring
    parts: list[str] = []
    bar = None
    if scoring is not None and scoring.total_range is not None:
        low, high = scoring.total_range
        parts.append("Total not scored" if total is None else f"Total {total} of {high}")
        bands = [(b.id, b.min, b.max) for b in scoring.bands]
        bar = score_bar(total, low, high, bands, cut_off)
    if result.get("band"):
        parts.append(str(result["band"]).replace("_", " "))
    if result.get("result"):
        parts.append(str(result["result"]).replace("_", " "))
    positive = result.get("positive")
    if positive is not None:
        word = "positive" if positive else "negative"
        parts.append(f"{word} (cut-off {cut_off})" if cut_off is not None else word)
    details = []
    if result.get("ptsd"):
        details.append("Meets ICD-11 PTSD criteria")
    if result.get("cptsd"):
        details.append("Meets ICD-11 complex PTSD criteria")
    for name, value in (result.get("subscales") or {}).items():
        details.append(f"{name.replace('_', ' ')}: {value}")
    flags = [f.replace("_", " ") for f in result.get("flags", ())]
    if flags:
        details.append("Flags: " + ", ".join(flags))
    answered, expected = result.get("answered"), result.get("expected")
    if answered is not None and expected and answered < expected:
        details.append(f"{answered} of {expected} questions answered")
    return ScoreView(definition.id, definition.name, " · ".join(parts), bar, tuple(details))


def _section_name(definition: forms.Definition, path: str) -> str:
    """An instrument's published name for staff; a clinic section's own heading."""
    return definition.name if definition.is_instrument else definition.title.for_path(path)


def answer_sections(submission: IntakeSubmission) -> AnswersView:
    """Every question of the intake's flow by section, with the answer or why there is none."""
    reading = answers_reading(submission)
    document = reading.document
    if document is None:
        return AnswersView([], unreadable=reading.unreadable)
    return AnswersView(_sections(submission, document.subject_age, document.answers), False)


def _sections(
    submission: IntakeSubmission, subject_age: int, answers: Mapping[str, int | None]
) -> list[SectionView]:
    try:
        flow = forms.flow_for(submission.path, subject_age)
    except (KeyError, TypeError, ValueError):
        return [_loose_section(answers)] if answers else []
    sections: dict[str, list[AnswerView]] = {}
    seen: set[str] = set()
    for step in flow.steps:
        for question in step.questions:
            seen.add(question.id)
            sections.setdefault(step.section, []).append(
                _answer(question.id, question.text, question.options, answers)
            )
    views = [
        SectionView(
            section, _section_name(forms.get_definition(section), submission.path), tuple(items)
        )
        for section, items in sections.items()
    ]
    leftover = {k: v for k, v in answers.items() if k not in seen}
    if leftover:
        views.append(_loose_section(leftover))
    return views


def _answer(item_id: str, text: str, options: Any, answers: Mapping[str, int | None]) -> AnswerView:
    if item_id not in answers:
        return AnswerView(item_id, text, "Not asked", "not_asked")
    code = answers[item_id]
    if code is None:
        return AnswerView(item_id, text, PREFER_NOT, "prefer_not")
    label = next((o.label for o in options if o.code == code), None)
    return AnswerView(item_id, text, f"{label} ({code})" if label else str(code), "answered")


def _loose_section(answers: Mapping[str, int | None]) -> SectionView:
    """Answers outside the flow as it stands now (e.g. definitions changed since)."""
    items = tuple(
        AnswerView(
            k, k, PREFER_NOT if v is None else str(v), "prefer_not" if v is None else "answered"
        )
        for k, v in sorted(answers.items())
    )
    return SectionView("other", "Other answers", items)


def contact_view(reading: Reading[ContactDocument], path: str) -> ContactView:
    """The client's contact details with, beside each, how it is safe to use them: the
    channels allowed first, then those not allowed; the parent-or-carer line only on
    the teenager's path, the one that asks it. Nothing but "could not be read" when the
    stored document cannot be read."""
    if reading.unreadable:
        return ContactView(None, False, (), (), unreadable=True)
    contact = reading.document or ContactDocument()
    views = []
    for name, title, detail in (
        ("phone", "Phone call", contact.phone),
        ("text", "Text message", contact.phone),
        ("email", "Email", contact.email),
    ):
        wish = contact.channels.wish(name)
        wishes = []
        if wish.allowed:
            if name == "phone":
                wishes.append(
                    "voicemail is OK"
                    if contact.channels.phone.leave_message
                    else "do NOT leave a voicemail"
                )
            wishes.append(
                "the clinic's name may be used"
                if wish.mention_clinic
                else "do NOT mention the clinic's name"
            )
        views.append(
            ChannelView(title, wish.allowed, detail if wish.allowed else None, tuple(wishes))
        )
    notes = []
    asked = path == "teen_self"  # only teenagers are asked about a parent or carer
    if asked and contact.caregiver_contact_ok is not None:
        notes.append(
            "A parent or carer may be contacted"
            if contact.caregiver_contact_ok
            else "Do NOT contact a parent or carer"
        )
    elif asked and contact.caregiver_question_recorded:
        notes.append("Whether a parent or carer may be contacted: prefer not to answer")
    return ContactView(
        name=contact.name,
        do_not_contact=not any(v.allowed for v in views),
        channels=tuple(sorted(views, key=lambda v: not v.allowed)),
        safe_times=tuple(SAFE_TIMES.get(t, t) for t in contact.safe_times),
        notes=tuple(notes),
    )
