"""The review page's rows: every answer by section, in the client's words and options."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import gettext as _

from clinic.intake import screens
from clinic.models import IntakeSubmission
from clinic.models.documents import ContactDocument, answers_of, contact_of

CHANNEL_NAMES = ("phone", "text", "email")


@dataclass(frozen=True)
class Row:
    question: str
    answer: str
    # The language of wording from the section definitions (None: the page's language).
    question_language: str | None = None
    answer_language: str | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    number: int  # step number of its first screen, for the change link
    rows: tuple[Row, ...]
    title_language: str | None = None  # of a section title from the definitions


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def contact_rows(contact: ContactDocument, teen: bool) -> tuple[Row, ...]:
    channels = contact.channels
    names = {"phone": _("Phone call"), "text": _("Text message"), "email": _("Email")}
    allowed = [names[c] for c in CHANNEL_NAMES if channels.wish(c).allowed]
    times = {
        "weekday_morning": _("Weekday mornings"),
        "weekday_afternoon": _("Weekday afternoons"),
        "weekday_evening": _("Weekday evenings"),
        "weekend": _("Weekends"),
    }
    rows = [
        Row(
            _("How we may contact you"),
            ", ".join(allowed) if allowed else _("Please do not contact me"),
        )
    ]
    if contact.phone:
        rows.append(Row(_("Phone number"), contact.phone))
    if channels.phone.allowed:
        rows.append(Row(_("It is OK to leave a voicemail"), _yes_no(channels.phone.leave_message)))
    if contact.email:
        rows.append(Row(_("Email address"), contact.email))
    mention = [names[c] for c in CHANNEL_NAMES if channels.wish(c).mention_clinic]
    rows.append(
        Row(
            _("Where we may use the clinic’s name"),
            ", ".join(mention) if mention else _("Nowhere"),
        )
    )
    chosen_times = [times[t] for t in contact.safe_times if t in times]
    rows.append(
        Row(
            _("When it is safe to contact you"),
            ", ".join(chosen_times) if chosen_times else _("No times chosen"),
        )
    )
    if contact.name:
        rows.append(Row(_("What we should call you"), contact.name))
    if teen:
        value = contact.caregiver_contact_ok
        answer = _("Prefer not to answer") if value is None else _yes_no(value)
        rows.append(Row(_("May we contact a parent or carer of yours?"), answer))
    return tuple(rows)


def sections(draft: IntakeSubmission, place: screens.Position) -> list[Section]:
    document = answers_of(draft)
    answers = document.answers
    result: list[Section] = []
    by_id: dict[str, list[Row]] = {}
    for index, screen in enumerate(place.screens):
        if screen.kind == screens.CONTACT:
            contact = contact_of(draft) or ContactDocument()
            rows = contact_rows(contact, draft.path == "teen_self")
            result.append(Section("contact", _("How we may contact you"), index + 1, rows))
            continue
        if screen.kind in screens.CONTACT_KINDS:  # its rows are in the contact section
            continue
        if screen.kind == screens.ABOUT:
            sexes = {
                "female": _("Female"),
                "male": _("Male"),
                "other": _("Another sex, or intersex"),
            }
            sex = document.sex
            answer = sexes.get(sex, _("Prefer not to answer")) if sex else _("Prefer not to answer")
            row = Row(_("What is your sex?"), answer)
            result.append(Section("about", _("A little about you"), index + 1, (row,)))
            continue
        assert screen.step is not None
        if screen.section not in by_id:
            by_id[screen.section] = []
            title = screens.section_title(screen.section, draft.path)
            result.append(Section(screen.section, title.text, index + 1, (), title.language))
        language = screen.step.language
        for question in screen.step.questions:
            value = answers.get(question.id)
            if value is None:
                row = Row(question.text, _("Prefer not to answer"), language)
            else:
                labels = {option.code: option.label for option in question.options}
                row = Row(question.text, labels.get(value, str(value)), language, language)
            by_id[screen.section].append(row)
    return [replace(s, rows=tuple(by_id[s.id])) if s.id in by_id else s for s in result]
