"""A FHIR bulk export's files: written by a worker, read back by the download view.

Each file is NDJSON, one resource per line, written a page of rows at a time so
memory stays flat however many intakes there are. The files hold answers and
scores, so on disk every line is encrypted with the key ring (AES-GCM, bound to the
export and the resource type) and decrypted only while it is streamed to the
owner. Exports are deleted after EXPORT_LIFETIME; `keys rotate` does not touch
them (they do not outlive a rotation for long).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from fhir.resources.R4B.resource import Resource
from flask import current_app
from sqlalchemy import Select, select

from clinic.extensions import db
from clinic.fhir import intake_resources, referral_resources
from clinic.models import FhirExport, IntakeSubmission, Referral
from clinic.models.columns import key_ring, utcnow
from clinic.models.encryption import associated_data

EXPORT_LIFETIME: Final = timedelta(hours=24)
PAGE_SIZE: Final = 200

INTAKE_TYPES: Final[dict[str, Callable[[IntakeSubmission], list[Any]]]] = {
    "Patient": lambda row: [intake_resources.patient(row)],
    "QuestionnaireResponse": lambda row: [intake_resources.questionnaire_response(row)],
    "Observation": intake_resources.observations,
    "Flag": intake_resources.flags,
}
REFERRAL_TYPES: Final[dict[str, Callable[[Referral], Resource]]] = {
    "ServiceRequest": referral_resources.service_request,
    "Task": referral_resources.task,
    "Provenance": referral_resources.provenance,
}
EXPORTABLE: Final = (*INTAKE_TYPES, *REFERRAL_TYPES)


def directory(export_id: uuid.UUID) -> Path:
    return Path(current_app.instance_path) / "fhir-exports" / str(export_id)


def file_path(export_id: uuid.UUID, resource_type: str) -> Path:
    return directory(export_id) / f"{resource_type}.ndjson.enc"


def write_export(export_id: uuid.UUID) -> str:
    """Write the export's files and mark it completed; idempotent. Returns its status."""
    export = db.session.get(FhirExport, export_id)
    if export is None or export.status != "accepted":
        return export.status if export is not None else "missing"
    directory(export_id).mkdir(parents=True, exist_ok=True)
    selection = Selection(export_id, tuple(export.queues), export.since)
    output = [
        {"type": resource_type, "count": _write_file(selection, resource_type)}
        for resource_type in export.resource_types
    ]
    export = db.session.get(FhirExport, export_id)  # the pages were let go of as they were read
    assert export is not None
    export.output = output
    export.status = "completed"
    export.finished_at = utcnow()
    return export.status


@dataclass(frozen=True)
class Selection:
    """What an export reads: the intakes and referrals of these queues, changed since."""

    export_id: uuid.UUID
    queues: tuple[str, ...]
    since: datetime | None


def _write_file(selection: Selection, resource_type: str) -> int:
    ring = key_ring()
    bound = associated_data("fhir_export", resource_type, selection.export_id)
    count = 0
    with file_path(selection.export_id, resource_type).open("w", encoding="ascii") as out:
        for resource in _resources(selection, resource_type):
            line = resource.model_dump_json(exclude_none=True).encode()
            out.write(ring.encrypt(line, bound) + "\n")
            count += 1
    return count


def _resources(selection: Selection, resource_type: str) -> Iterator[Resource]:
    if resource_type in INTAKE_TYPES:
        build = INTAKE_TYPES[resource_type]
        for submission in _pages(_intakes(selection), IntakeSubmission.id):
            yield from build(submission)
    else:
        for referral in _pages(_referrals(selection), Referral.id):
            yield REFERRAL_TYPES[resource_type](referral)


def _intakes(selection: Selection) -> Select[Any]:
    visible = select(Referral.submission_id).where(Referral.queue.in_(selection.queues))
    query = select(IntakeSubmission).where(
        IntakeSubmission.id.in_(visible), IntakeSubmission.status == "routed"
    )
    if selection.since is not None:
        query = query.where(IntakeSubmission.routed_at > selection.since)
    return query


def _referrals(selection: Selection) -> Select[Any]:
    query = select(Referral).where(Referral.queue.in_(selection.queues))
    if selection.since is not None:
        query = query.where(Referral.updated_at > selection.since)
    return query


def _pages(query: Select[Any], key: Any) -> Iterator[Any]:
    """Every row of `query`, read a page at a time in `key` order (keyset paging)."""
    last = None
    while True:
        page = query.order_by(key).limit(PAGE_SIZE)
        if last is not None:
            page = page.where(key > last)
        rows = list(db.session.scalars(page))
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        db.session.expunge_all()


def read_lines(export_id: uuid.UUID, resource_type: str) -> Iterator[str]:
    """The file's resources, decrypted a line at a time, as NDJSON."""
    ring = key_ring()
    bound = associated_data("fhir_export", resource_type, export_id)
    with file_path(export_id, resource_type).open(encoding="ascii") as lines:
        for line in lines:
            yield ring.decrypt(line.strip(), bound).decode() + "\n"


def remove_files(export_id: uuid.UUID) -> None:
    shutil.rmtree(directory(export_id), ignore_errors=True)


def purge_expired() -> int:
    """Delete exports (rows and files) older than EXPORT_LIFETIME; returns how many."""
    old = list(
        db.session.scalars(
            select(FhirExport).where(FhirExport.created_at < utcnow() - EXPORT_LIFETIME)
        )
    )
    for export in old:
        remove_files(export.id)
        db.session.delete(export)
    return len(old)
