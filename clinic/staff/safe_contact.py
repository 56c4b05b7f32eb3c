"""Contact attempts only as the client allows: the channels to offer, and what to refuse.

The client's safe-contact wishes (the contact document) say which channels may
be used and whether a voicemail may be left. The contact-attempt form offers
only those channels, with nothing chosen for the person; the server refuses a
channel the client did not allow and an outcome that contradicts a wish (a
message left where the client asked for none), with the reason in words.
"""

from __future__ import annotations

from clinic.models import Referral
from clinic.models.documents import ContactDocument, contact_of
from clinic.staff.reasons import CHANNEL_LABELS

CLIENT_CHANNELS = ("phone", "text", "email")
"""The channels a client's wishes speak of, in the order the form offers them."""


def _contact(referral: Referral) -> ContactDocument:
    return contact_of(referral.submission) or ContactDocument()


def allowed_channels(referral: Referral) -> dict[str, str]:
    """The channels the client allowed, code -> label (empty: do not contact)."""
    contact = _contact(referral)
    return {
        code: CHANNEL_LABELS[code]
        for code in CLIENT_CHANNELS
        if contact.channels.wish(code).allowed
    }


def refusal(referral: Referral, channel: str | None, outcome: str | None) -> str | None:
    """Why this attempt cannot be logged as given, or None when it fits the wishes."""
    if not channel or not outcome:
        return "Choose how you tried to make contact and what came of it."
    allowed = allowed_channels(referral)
    if channel not in allowed:
        if not allowed:
            return "The client asked not to be contacted: no contact attempt can be logged."
        return (
            f"The client did not allow {CHANNEL_LABELS.get(channel, channel).lower()}: "
            f"use {' or '.join(label.lower() for label in allowed.values())}."
        )
    voicemail_ok = _contact(referral).channels.phone.leave_message
    if outcome == "left_message" and channel == "phone" and not voicemail_ok:
        return (
            "The client asked that no voicemail be left, so the outcome cannot be "
            "“Left a message”. If one was left by mistake, choose what else happened "
            "and say so in a note."
        )
    return None
