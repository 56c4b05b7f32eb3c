"""A FHIR bulk export: its NDJSON files, written on the maintenance queue."""

from __future__ import annotations

import logging
import uuid

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import FhirExport
from clinic.models.unit_of_work import unit_of_work
from workers.typed_tasks import task

log = logging.getLogger(__name__)


@task(name=TaskNames.FHIR_EXPORT)
def fhir_export_task(export_id: str) -> str:
    """Idempotent: an export already finished is left as it is. Returns its status.

    Expired exports are deleted first. A failure is recorded on the export (the
    owner's status poll reports it) and on its outbox row, without any detail of
    the data.
    """
    from clinic.fhir import bulk_files  # FHIR's models: a sixth of a worker's imports

    key = uuid.UUID(export_id)
    with unit_of_work():
        bulk_files.purge_expired()
    try:
        with unit_of_work():
            status = bulk_files.write_export(key)
            outbox.mark_done(TaskNames.FHIR_EXPORT, export_id)
        return status
    except Exception as exc:
        log.exception("FHIR export %s failed", export_id)
        with unit_of_work():
            export = db.session.get(FhirExport, key)
            if export is not None:
                export.status = "failed"
                export.error = type(exc).__name__
            outbox.mark_failed(TaskNames.FHIR_EXPORT, export_id, type(exc).__name__)
        bulk_files.remove_files(key)
        return "failed"
