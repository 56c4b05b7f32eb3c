"""Code systems and canonical addresses the FHIR resources use.

Our own codes (queues, safety flags, answers' "prefer not to answer") are published as
CodeSystem resources under the server's base address; standard ones (LOINC, the FHIR
code systems) are named by their official URLs. LOINC codes come only from the
definitions (`loinc:` in `forms/definitions/*.yaml`), never invented here.
"""

from __future__ import annotations

from typing import Final

from flask import current_app

from referrals.flags import FLAG_LABELS, FlagLabel, label_of

LOINC: Final = "http://loinc.org"
DATA_ABSENT_REASON: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
DATA_ABSENT_REASON_CODES: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
FLAG_DETAIL: Final = "http://hl7.org/fhir/StructureDefinition/flag-detail"
TRANSLATION: Final = "http://hl7.org/fhir/StructureDefinition/translation"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
FLAG_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/flag-category"
PROVENANCE_ACTIVITY: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"

PRIORITY: Final = {"routine": "routine", "priority": "urgent", "urgent": "asap"}
"""Our referral priority as FHIR's request priority."""

TASK_STATUS: Final = {
    "new": ("requested", "New"),
    "in_review": ("received", "In review"),
    "accepted": ("accepted", "Accepted"),
    "contacted": ("accepted", "Contacted"),
    "scheduled": ("in-progress", "Scheduled"),
    "closed": ("completed", "Closed"),
    "declined": ("rejected", "Declined"),
    "rerouted": ("cancelled", "Rerouted"),
}
"""Each referral state as a Task's status and business status."""

SERVICE_REQUEST_STATUS: Final = {
    "closed": "completed",
    "declined": "revoked",
    "rerouted": "revoked",
}
"""A referral's ServiceRequest status: `active` unless listed here."""


def base_url() -> str:
    """The FHIR base: the site's public address followed by `/fhir/R4`."""
    return str(current_app.config["CLINIC_BASE_URL"]).rstrip("/") + "/fhir/R4"


def canonical(resource_type: str, resource_id: str) -> str:
    return f"{base_url()}/{resource_type}/{resource_id}"


QUEUE_SYSTEM_ID: Final = "clinic-queue"
FLAG_SYSTEM_ID: Final = "clinic-safety-flag"


def queue_system() -> str:
    return canonical("CodeSystem", QUEUE_SYSTEM_ID)


def flag_system() -> str:
    return canonical("CodeSystem", FLAG_SYSTEM_ID)


def fhir_id(value: str) -> str:
    """Our ids as FHIR ids (letters, digits, `-` and `.`): `cats_7_17` → `cats-7-17`."""
    return value.replace("_", "-")


SAFETY_FACTS: Final = {
    "acute": FlagLabel(
        "acute",
        "Acute suicide risk",
        "the client may be at risk of harming themselves now: seen the same day.",
    ),
    "suicide_risk": FlagLabel(
        "suicide_risk",
        "Suicide risk",
        "a suicide-risk screen was positive: the referral is priority or urgent.",
    ),
}
"""Decision facts shown as Flags besides the decision's own flags."""


def safety_flag_labels() -> tuple[FlagLabel, ...]:
    """Every code of the safety-flag code system: the safety facts, then the flags."""
    return (*SAFETY_FACTS.values(), *FLAG_LABELS.values())


def safety_flag_label(name: str) -> FlagLabel:
    return SAFETY_FACTS.get(name) or label_of(name)
