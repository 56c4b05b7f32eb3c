"""Messages to clients: only by a channel they marked safe, in their language.

The contact document (written by the intake) says which channels are safe and
whether a message may name the clinic. With no safe channel nothing is sent,
and a `skipped` message row records that for staff. Subjects are neutral and
bodies never hold answers or names; the clinic's name only where allowed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from clinic.models import IntakeSubmission
from clinic.models.documents import ContactDocument, contact_of
from clinic.notifications.links import site_link
from clinic.notifications.queueing import Recipient, add_message, record_not_sent
from clinic.notifications.render import language_of
from clinic.settings.clinic_settings import clinic_settings

NO_SAFE_CHANNEL = "no safe channel"
CLIENT = "client"


def safe_recipient(
    contact: ContactDocument | None, *, email_only: bool = False
) -> tuple[Recipient, bool] | None:
    """The client by the first safe channel (email, then text), and may we name the clinic."""
    if contact is None:
        return None
    language = language_of(contact.language)
    options = (
        [("email", contact.email, "email")]
        if email_only
        else [
            ("email", contact.email, "email"),
            ("text", contact.phone, "sms"),
        ]
    )
    for wish_name, address, channel in options:
        wish = contact.channels.wish(wish_name)
        if wish.allowed and address and address.strip():
            recipient = Recipient(CLIENT, channel, address.strip(), language)
            return recipient, wish.mention_clinic
    return None


def _queue_client_message(
    submission: IntakeSubmission,
    event: str,
    template: str,
    values: Mapping[str, Any],
    *,
    email_only: bool = False,
) -> None:
    found = safe_recipient(contact_of(submission), email_only=email_only)
    if found is None:
        record_not_sent(event, template, NO_SAFE_CHANNEL, submission_id=submission.id)
        return
    recipient, mention_clinic = found
    settings = clinic_settings()
    clinic_name = settings.name.get(recipient.language) if mention_clinic else None
    add_message(
        event,
        recipient,
        template,
        {**values, "clinic_name": clinic_name},
        sender=settings.notifications.client_sender,
        submission_id=submission.id,
    )


def queue_submission_confirmation(submission: IntakeSubmission) -> None:
    """At submit, in its transaction: tell the client their form arrived, if that is safe."""
    _queue_client_message(submission, f"confirmation:{submission.id}", "client_confirmation", {})


def queue_resume_link(submission: IntakeSubmission, link: str, code: str) -> None:
    """At a draft save, in its transaction: email the resume link, if asked for and safe.

    `link` is the resume page with the code after `#`; `code` is the code as the
    client reads it, for typing on the resume page (`page`) if the link does not
    open. Both are secrets: kept only encrypted in the message row and wiped once
    sent; the row's key holds a hash of the link, so the same link is sent once
    however often this runs.
    """
    contact = contact_of(submission)
    if contact is None or not contact.resume_email_ok:
        return
    if link.startswith("/"):
        link = site_link(link)
    digest = hashlib.sha256(link.encode()).hexdigest()[:16]
    _queue_client_message(
        submission,
        f"resume_link:{submission.id}:{digest}",
        "client_resume_link",
        {"link": link, "page": link.partition("#")[0], "code": code},
        email_only=True,
    )


def queue_contact_attempt(submission: IntakeSubmission, attempt_id: object) -> None:
    """After staff tried to reach the client (`attempt_id` names the try): same rules."""
    _queue_client_message(
        submission, f"reach_out:{submission.id}:{attempt_id}", "client_reach_out", {}
    )


def queue_rescreen_invitation(
    submission: IntakeSubmission, invitation_id: object, link: str, days: int
) -> None:
    """A re-screen invitation's message, by a channel the client marked safe (else a
    `skipped` row). `link` holds the one-time token: kept only encrypted in the message
    row and wiped once sent. No clinical detail."""
    _queue_client_message(
        submission, f"rescreen:{invitation_id}", "client_rescreen", {"link": link, "days": days}
    )
