"""FHIR Bulk Data export (system level): kick-off, status polling, files, deletion.

`GET /fhir/R4/$export` with `Prefer: respond-async` records the request and hands it to
a worker through the outbox (commit first, publish after); the answer is 202 with the
status address in `Content-Location`. Polling that address answers 202 until the
files are written, then the manifest. Only the token owner who asked sees the status
and the files; each file is streamed, decrypted a line at a time.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Response, jsonify, request, stream_with_context
from werkzeug.exceptions import NotFound

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.fhir import bulk_files, codes
from clinic.fhir.rest import bp
from clinic.fhir.rest.access import Reader, current_reader, read_scope, record
from clinic.fhir.rest.search import SearchError
from clinic.fhir.rest.views import outcome
from clinic.models import FhirExport

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = (NDJSON, "application/ndjson", "ndjson")
EXPORT_PARAMETERS = ("_type", "_since", "_outputFormat")


@bp.get("/$export")
def export_kick_off() -> Response:
    reader = current_reader()
    types = _types(request.args.get("_type"))
    reader.require(*(scope for name in types for scope in read_scope(name)))
    if "respond-async" not in request.headers.get("Prefer", ""):
        return outcome(400, "invalid", "a bulk export needs the header Prefer: respond-async")
    for name in request.args:
        if name not in EXPORT_PARAMETERS:
            raise SearchError(
                f"unknown parameter {name!r} (allowed: {', '.join(EXPORT_PARAMETERS)})"
            )
    if request.args.get("_outputFormat", NDJSON) not in OUTPUT_FORMATS:
        raise SearchError(f"_outputFormat must be {NDJSON}")
    export = FhirExport(
        id=uuid.uuid4(),
        owner_id=reader.owner.user_id,
        resource_types=types,
        queues=list(reader.queues),
        since=_since(request.args.get("_since")),
        request_url=request.url[:2000],
    )
    db.session.add(export)
    outbox.enqueue(TaskNames.FHIR_EXPORT, export.id)
    record("export_requested", reader, id=str(export.id))
    response = Response(status=202)
    response.headers["Content-Location"] = f"{codes.base_url()}/$export-status/{export.id}"
    return response


def _types(value: str | None) -> list[str]:
    if not value:
        return list(bulk_files.EXPORTABLE)
    asked = value.split(",")
    unknown = [t for t in asked if t not in bulk_files.EXPORTABLE]
    if unknown:
        allowed = ", ".join(bulk_files.EXPORTABLE)
        raise SearchError(f"_type {', '.join(unknown)} cannot be exported (allowed: {allowed})")
    return list(dict.fromkeys(asked))


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SearchError("_since must be an instant with its time zone") from None
    if moment.tzinfo is None:
        raise SearchError("_since must give its time zone")
    return moment


def _own_export(reader: Reader, export_id: uuid.UUID) -> FhirExport:
    export = db.session.get(FhirExport, export_id)
    if export is None or export.owner_id != reader.owner.user_id:
        raise NotFound("no such export")
    return export


@bp.get("/$export-status/<uuid:export_id>")
def export_status(export_id: uuid.UUID) -> Response:
    reader = current_reader()
    export = _own_export(reader, export_id)
    if export.status == "failed":
        return outcome(500, "exception", "the export could not be written; ask for it again")
    if export.status != "completed":
        response = Response(status=202)
        response.headers["X-Progress"] = "writing files"
        response.headers["Retry-After"] = "5"
        return response
    record("export_status", reader, id=str(export.id))
    response = jsonify(
        {
            "transactionTime": export.created_at.isoformat(),
            "request": export.request_url,
            "requiresAccessToken": True,
            "output": [
                {
                    "type": item["type"],
                    "count": item["count"],
                    "url": f"{codes.base_url()}/$export-file/{export.id}/{item['type']}.ndjson",
                }
                for item in export.output or []
            ],
            "error": [],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/$export-status/<uuid:export_id>")
def export_delete(export_id: uuid.UUID) -> Response:
    reader = current_reader()
    export = _own_export(reader, export_id)
    bulk_files.remove_files(export.id)
    db.session.delete(export)
    record("export_deleted", reader, id=str(export_id))
    return Response(status=202)


@bp.get("/$export-file/<uuid:export_id>/<resource_type>.ndjson")
def export_file(export_id: uuid.UUID, resource_type: str) -> Response:
    reader = current_reader()
    export = _own_export(reader, export_id)
    if export.status != "completed" or resource_type not in export.resource_types:
        raise NotFound("no such file")
    record("export_downloaded", reader, id=str(export.id), resource=resource_type)
    lines = bulk_files.read_lines(export_id, resource_type)
    response = Response(stream_with_context(lines), mimetype=NDJSON)
    response.headers["Cache-Control"] = "no-store"
    return response
