"""Read and search, per resource type: which rows a search reads and how each maps.

Intake-based resources (Patient, QuestionnaireResponse, Observation, Flag) are found
through the intake's referrals, so a clinician's token sees exactly the intakes behind
the referrals in their queues. Observation and Flag searches page by intake.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.resource import Resource
from sqlalchemy import Select, func, select

from clinic.extensions import db
from clinic.fhir import codes, intake_resources, questionnaires, referral_resources
from clinic.fhir.rest.access import Reader
from clinic.fhir.rest.search import (
    Page,
    SearchError,
    last_updated,
    reference_id,
    statuses,
)
from clinic.models import IntakeSubmission, Referral

Found = tuple[list[Resource], int | None]


@dataclass(frozen=True)
class ResourceType:
    read: Callable[[Reader, str], Resource | None]
    search: Callable[[Reader, Mapping[str, str], Page], Found]
    parameters: tuple[str, ...]


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _page(query: Select[Any], page: Page) -> tuple[list[Any], int]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(db.session.scalars(query.limit(page.count).offset(page.offset))), total


# Intake-based ---------------------------------------------------------------------------

SUBMISSION_PARAMETERS = ("_lastUpdated", "subject")


def _submissions(
    reader: Reader, args: Mapping[str, str], page: Page
) -> tuple[list[IntakeSubmission], int]:
    visible = reader.referrals().with_only_columns(Referral.submission_id)
    query = (
        select(IntakeSubmission)
        .where(IntakeSubmission.id.in_(visible), IntakeSubmission.status == "routed")
        .order_by(IntakeSubmission.routed_at, IntakeSubmission.id)
    )
    if "subject" in args:
        subject = reference_id(args["subject"], "Patient", "subject")
        query = query.where(IntakeSubmission.id == subject)
    if "_lastUpdated" in args:
        query = query.where(last_updated(args["_lastUpdated"], IntakeSubmission.routed_at))
    if "status" in args:
        query = query.where(_response_status(args["status"]))
    return _page(query, page)


def _response_status(value: str) -> Any:
    wanted = set(value.split(","))
    if not wanted <= {"completed", "stopped"}:
        raise SearchError("status must be completed or stopped")
    partial = {state == "stopped" for state in wanted}
    return IntakeSubmission.submitted_partial.in_(partial)


def _per_intake(
    build: Callable[[IntakeSubmission], list[Any]],
) -> Callable[[Reader, Mapping[str, str], Page], Found]:
    def search(reader: Reader, args: Mapping[str, str], page: Page) -> Found:
        rows, _ = _submissions(reader, args, page)
        return [resource for row in rows for resource in build(row)], None

    return search


def _one_per_intake(
    build: Callable[[IntakeSubmission], Resource],
) -> Callable[[Reader, Mapping[str, str], Page], Found]:
    def search(reader: Reader, args: Mapping[str, str], page: Page) -> Found:
        rows, total = _submissions(reader, args, page)
        return [build(row) for row in rows], total

    return search


def _read_intake(
    build: Callable[[IntakeSubmission], Resource],
) -> Callable[[Reader, str], Resource | None]:
    def read(reader: Reader, resource_id: str) -> Resource | None:
        key = _uuid(resource_id)
        submission = reader.submission(key) if key else None
        return (
            build(submission) if submission is not None and submission.status == "routed" else None
        )

    return read


def _read_part(
    build: Callable[[IntakeSubmission], list[Any]],
) -> Callable[[Reader, str], Resource | None]:
    """A resource whose id is `<intake id>-<part>` (an Observation, a Flag)."""

    def read(reader: Reader, resource_id: str) -> Resource | None:
        key = _uuid(resource_id[:36])
        submission = reader.submission(key) if key else None
        if submission is None or submission.status != "routed":
            return None
        return next((r for r in build(submission) if r.id == resource_id), None)

    return read


# Referral-based -------------------------------------------------------------------------


def _referrals(
    reader: Reader, args: Mapping[str, str], page: Page, status_map: Mapping[str, str]
) -> tuple[list[Referral], int]:
    query = reader.referrals().order_by(Referral.created_at, Referral.id)
    if "subject" in args:
        subject = reference_id(args["subject"], "Patient", "subject")
        query = query.where(Referral.submission_id == subject)
    if "based-on" in args:
        query = query.where(
            Referral.id == reference_id(args["based-on"], "ServiceRequest", "based-on")
        )
    if "target" in args:
        query = query.where(Referral.id == reference_id(args["target"], "ServiceRequest", "target"))
    if "_lastUpdated" in args:
        query = query.where(last_updated(args["_lastUpdated"], Referral.updated_at))
    if "status" in args:
        query = query.where(Referral.status.in_(statuses(args["status"], status_map, "status")))
    return _page(query, page)


TASK_STATUSES = {ours: theirs for ours, (theirs, _) in codes.TASK_STATUS.items()}
REQUEST_STATUSES = {
    ours: codes.SERVICE_REQUEST_STATUS.get(ours, "active") for ours in codes.TASK_STATUS
}


def _per_referral(
    build: Callable[[Referral], Resource], status_map: Mapping[str, str]
) -> Callable[[Reader, Mapping[str, str], Page], Found]:
    def search(reader: Reader, args: Mapping[str, str], page: Page) -> Found:
        rows, total = _referrals(reader, args, page, status_map)
        return [build(row) for row in rows], total

    return search


def _read_referral(
    build: Callable[[Referral], Resource],
) -> Callable[[Reader, str], Resource | None]:
    def read(reader: Reader, resource_id: str) -> Resource | None:
        key = _uuid(resource_id)
        referral = reader.referral(key) if key else None
        return build(referral) if referral is not None else None

    return read


# Definitions ----------------------------------------------------------------------------


def _read_questionnaire(reader: Reader, resource_id: str) -> Resource | None:
    return questionnaires.questionnaire(resource_id)


def _search_questionnaires(reader: Reader, args: Mapping[str, str], page: Page) -> Found:
    ids = questionnaires.questionnaire_ids()
    chosen = ids[page.offset : page.offset + page.count]
    found = [questionnaires.questionnaire(i) for i in chosen]
    return [q for q in found if q is not None], len(ids)


def _read_code_system(reader: Reader, resource_id: str) -> Resource | None:
    return referral_resources.code_systems().get(resource_id)


def _search_code_systems(reader: Reader, args: Mapping[str, str], page: Page) -> Found:
    systems = list(referral_resources.code_systems().values())
    return list(systems[page.offset : page.offset + page.count]), len(systems)


RESOURCE_TYPES: dict[str, ResourceType] = {
    "Patient": ResourceType(
        _read_intake(intake_resources.patient),
        _one_per_intake(intake_resources.patient),
        SUBMISSION_PARAMETERS,
    ),
    "QuestionnaireResponse": ResourceType(
        _read_intake(intake_resources.questionnaire_response),
        _one_per_intake(intake_resources.questionnaire_response),
        (*SUBMISSION_PARAMETERS, "status"),
    ),
    "Observation": ResourceType(
        _read_part(intake_resources.observations),
        _per_intake(intake_resources.observations),
        SUBMISSION_PARAMETERS,
    ),
    "Flag": ResourceType(
        _read_part(intake_resources.flags),
        _per_intake(intake_resources.flags),
        SUBMISSION_PARAMETERS,
    ),
    "ServiceRequest": ResourceType(
        _read_referral(referral_resources.service_request),
        _per_referral(referral_resources.service_request, REQUEST_STATUSES),
        ("_lastUpdated", "subject", "status"),
    ),
    "Task": ResourceType(
        _read_referral(referral_resources.task),
        _per_referral(referral_resources.task, TASK_STATUSES),
        ("_lastUpdated", "subject", "status", "based-on"),
    ),
    "Provenance": ResourceType(
        _read_referral(referral_resources.provenance),
        _per_referral(referral_resources.provenance, TASK_STATUSES),
        ("_lastUpdated", "target"),
    ),
    "Questionnaire": ResourceType(_read_questionnaire, _search_questionnaires, ()),
    "CodeSystem": ResourceType(_read_code_system, _search_code_systems, ()),
}
"""Every resource type the interface serves, with its read, search and parameters."""
