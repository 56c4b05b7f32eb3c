"""Codes as staff read them: priorities, statuses, queues, paths, audit actions, and
routing explanations in plain words (template filters; English, through gettext).

Every page of the console shows these labels rather than the codes (`priority`,
`in_review`, `dbt`); codes stay in the CSV export and the JSON API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from flask import g, has_request_context
from flask_babel import gettext, lazy_gettext

from clinic.staff import bp
from clinic.staff.reasons import CHANNEL_LABELS, OUTCOME_LABELS, reason_label
from referrals import QUEUES, plain_words
from referrals.flags import label_of

PRIORITY_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "urgent": lazy_gettext("Urgent"),
        "priority": lazy_gettext("Priority"),
        "routine": lazy_gettext("Routine"),
    }
)
STATUS_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "new": lazy_gettext("New"),
        "in_review": lazy_gettext("In review"),
        "accepted": lazy_gettext("Accepted"),
        "contacted": lazy_gettext("Contacted"),
        "scheduled": lazy_gettext("Scheduled"),
        "closed": lazy_gettext("Closed"),
        "declined": lazy_gettext("Declined"),
        "rerouted": lazy_gettext("Rerouted"),
    }
)
RESPONDENT_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "adult_self": lazy_gettext("Self"),
        "teen_self": lazy_gettext("Teen"),
        "caregiver_child": lazy_gettext("Caregiver"),
    }
)
"""Who filled the intake in, as the dashboard row says it."""
PATH_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "adult_self": lazy_gettext("Adult, about themselves"),
        "teen_self": lazy_gettext("Teenager, about themselves"),
        "caregiver_child": lazy_gettext("Parent or carer, about a child"),
    }
)
AGE_BANDS: Final = ((0, 5), (6, 11), (12, 17), (18, 25), (26, 64), (65, None))
ACTION_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "referral.viewed": lazy_gettext("Referral opened"),
        "referral.answers_viewed": lazy_gettext("Answers read"),
        "referral.start_review": lazy_gettext("Review started"),
        "referral.accept": lazy_gettext("Referral accepted"),
        "referral.mark_contacted": lazy_gettext("Marked as contacted"),
        "referral.schedule": lazy_gettext("Marked as scheduled"),
        "referral.close": lazy_gettext("Referral closed"),
        "referral.decline": lazy_gettext("Referral declined"),
        "referral.reroute": lazy_gettext("Referral rerouted"),
        "referral.contact_attempt": lazy_gettext("Contact attempt logged"),
        "referral.note_added": lazy_gettext("Note added"),
        "referral_list.exported": lazy_gettext("Referral list exported"),
        "staff.queue_viewed": lazy_gettext("Queue viewed"),
        "staff.overview_viewed": lazy_gettext("Overview viewed"),
        "submission.submitted": lazy_gettext("Intake submitted"),
        "submission.routed": lazy_gettext("Intake routed"),
        "alert.acknowledged": lazy_gettext("Alert acknowledged"),
        "on_call_alert.viewed": lazy_gettext("On-call page opened"),
        "staff.login": lazy_gettext("Signed in"),
        "staff.logout": lazy_gettext("Signed out"),
    }
)
"""The audit log's commonest actions in words; any other shows its code."""
MESSAGE_CHANNEL_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {"email": lazy_gettext("Email"), "sms": lazy_gettext("Text message"), "none": "—"}
)
MESSAGE_STATUS_LABELS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "pending": lazy_gettext("Waiting to be sent"),
        "sending": lazy_gettext("Sending"),
        "sent": lazy_gettext("Sent"),
        "failed": lazy_gettext("Failed"),
        "skipped": lazy_gettext("Not sent"),
        "unknown": lazy_gettext("Delivery unknown"),
    }
)
_DETAIL_CODES: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "queue": lambda v: QUEUES[v].name if v in QUEUES else v,
        "target_queue": lambda v: QUEUES[v].name if v in QUEUES else v,
        "current_queue": lambda v: QUEUES[v].name if v in QUEUES else v,
        "from": lambda v: STATUS_LABELS.get(v, v),
        "to": lambda v: STATUS_LABELS.get(v, v),
        "priority": lambda v: PRIORITY_LABELS.get(v, v),
        "path": lambda v: PATH_LABELS.get(v, v),
        "reason": reason_label,
        "channel": lambda v: CHANNEL_LABELS.get(v, v),
        "outcome": lambda v: OUTCOME_LABELS.get(v, v),
        "flag": lambda v: label_of(v).label if v else v,
        "flags": lambda v: label_of(v).label,
        "queues": lambda v: QUEUES[v].name if v in QUEUES else v,
        "statuses": lambda v: STATUS_LABELS.get(v, v),
        "priorities": lambda v: PRIORITY_LABELS.get(v, v),
    }
)


def age_band(age: int | None) -> str:
    """E.g. 14 -> '12-17'; None -> ''."""
    if age is None:
        return ""
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return f"{low}+" if high is None else f"{low}-{high}"
    return ""


def _translated_once(kind: str, code: str, label: Callable[[], str]) -> str:
    """A label translated once per request: a page of 50 cases names the same few
    statuses hundreds of times, and each lazy translation looks up the locale again."""
    if not has_request_context():
        return label()
    known: dict[tuple[str, str], str] = g.setdefault("_translated_labels", {})
    key = (kind, code)
    if key not in known:
        known[key] = label()
    return known[key]


@bp.app_template_filter("priority_label")
def priority_label(code: str | None) -> str:
    code = code or ""
    return _translated_once("priority", code, lambda: str(PRIORITY_LABELS.get(code, code)))


@bp.app_template_filter("status_label")
def status_label(code: str | None) -> str:
    code = code or ""
    return _translated_once(
        "status",
        code,
        lambda: str(STATUS_LABELS.get(code, code.replace("_", " ").capitalize())),
    )


@bp.app_template_filter("queue_label")
def queue_label(code: str | None) -> str:
    queue = QUEUES.get(code or "")
    return queue.name if queue is not None else code or ""


@bp.app_template_filter("message_channel_label")
def message_channel_label(code: str) -> str:
    return str(MESSAGE_CHANNEL_LABELS.get(code, code))


@bp.app_template_filter("message_status_label")
def message_status_label(code: str) -> str:
    return str(MESSAGE_STATUS_LABELS.get(code, code))


@bp.app_template_filter("action_label")
def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


@bp.app_template_filter("detail_words")
def detail_words(detail: Mapping[str, object] | None) -> list[tuple[str, str]]:
    """An audit event's detail as (key, value) pairs, codes in words where they are known."""
    pairs = []
    for key, value in (detail or {}).items():
        word = _DETAIL_CODES.get(key) or (lambda v: v)
        if isinstance(value, list):
            shown = ", ".join(str(word(v)) if isinstance(v, str) else str(v) for v in value)
        else:
            shown = str(word(value)) if isinstance(value, str) else str(value)
        pairs.append((key.replace("_", " "), shown))
    return pairs


@bp.app_template_filter("plain")
def plain(text: str) -> str:
    """A routing explanation with its answer codes in words."""
    return plain_words(text, gettext)


@bp.context_processor
def _labels() -> dict[str, object]:
    return {"RESPONDENT_LABELS": RESPONDENT_LABELS, "PATH_LABELS": PATH_LABELS}
