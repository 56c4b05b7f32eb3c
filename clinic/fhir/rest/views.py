"""`/fhir/R4`: metadata, read, search and the Task closed loop, in `application/fhir+json`.

Every error is an OperationOutcome. Reads and searches are audited with the resource
type and id (or the number of results); a Task change is audited by the lifecycle
operation it runs, like a staff action.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntrySearch, BundleLink
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from fhir.resources.R4B.resource import Resource
from flask import Response, request
from werkzeug.exceptions import HTTPException

from clinic.extensions import csrf
from clinic.fhir import codes
from clinic.fhir.rest import bp
from clinic.fhir.rest.access import Forbidden, Unauthorised, current_reader, read_scope, record
from clinic.fhir.rest.capability import capability_statement
from clinic.fhir.rest.resource_types import RESOURCE_TYPES
from clinic.fhir.rest.search import Page, SearchError, check_known, page_of
from clinic.fhir.rest.task_updates import TaskChangeRefused, change_status
from clinic.models import unit_of_work
from clinic.staff.referral_actions import ActionRefused, Conflict

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"

csrf.exempt(bp)


def _response(resource: Resource, status: int = 200) -> Response:
    response = Response(
        resource.model_dump_json(exclude_none=True), status=status, mimetype=FHIR_JSON
    )
    response.headers["Cache-Control"] = "no-store"
    meta = getattr(resource, "meta", None)
    version = meta.versionId if meta is not None else None
    if version:
        response.headers["ETag"] = f'W/"{version}"'
    return response


def outcome(status: int, code: str, message: str) -> Response:
    issue = OperationOutcomeIssue(severity="error", code=code, diagnostics=message)
    response = _response(OperationOutcome(issue=[issue]), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fhir"'
    if 400 <= status < 500:
        unit_of_work.keep_despite_refusal()
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = {404: "not-found", 405: "not-supported"}.get(error.code or 500, "processing")
    return outcome(error.code or 500, code, error.description or error.name)


@bp.errorhandler(Unauthorised)
def _unauthorised(error: Unauthorised) -> Response:
    return outcome(401, "login", "a valid bearer token is required")


@bp.errorhandler(Forbidden)
def _forbidden(error: Forbidden) -> Response:
    return outcome(403, "forbidden", str(error) or "this token may not do that")


@bp.errorhandler(SearchError)
def _bad_search(error: SearchError) -> Response:
    return outcome(400, "invalid", str(error))


@bp.get("/metadata")
def metadata() -> Response:
    return _response(capability_statement())


def _kind(resource_type: str) -> Any:
    kind = RESOURCE_TYPES.get(resource_type)
    if kind is None:
        raise SearchError(f"resource type {resource_type!r} is not supported here")
    return kind


@bp.get("/<resource_type>/<resource_id>")
def read(resource_type: str, resource_id: str) -> Response:
    kind = _kind(resource_type)
    reader = current_reader(*read_scope(resource_type))
    resource = kind.read(reader, resource_id)
    if resource is None:
        return outcome(404, "not-found", f"{resource_type}/{resource_id} is not known")
    record("read", reader, resource=resource_type, id=resource_id)
    return _response(resource)


@bp.get("/<resource_type>")
def search(resource_type: str) -> Response:
    kind = _kind(resource_type)
    reader = current_reader(*read_scope(resource_type))
    args = {name: request.args[name] for name in request.args}
    check_known(args, kind.parameters)
    page = page_of(args)
    found, total = kind.search(reader, args, page)
    record("search", reader, resource=resource_type, results=len(found))
    return _response(_bundle(resource_type, args, page, found, total))


def _bundle(
    resource_type: str, args: dict[str, str], page: Page, found: list[Resource], total: int | None
) -> Bundle:
    def link(relation: str, offset: int) -> BundleLink:
        query = urlencode({**args, "_count": page.count, "_offset": offset})
        return BundleLink(relation=relation, url=f"{codes.base_url()}/{resource_type}?{query}")

    links = [link("self", page.offset)]
    more = len(found) >= page.count if total is None else page.offset + page.count < total
    if more:
        links.append(link("next", page.offset + page.count))
    if page.offset > 0:
        links.append(link("previous", max(page.offset - page.count, 0)))
    return Bundle(
        type="searchset",
        total=total,
        link=links,
        entry=[
            BundleEntry(
                fullUrl=f"{codes.base_url()}/{resource.get_resource_type()}/{resource.id}",
                resource=resource,
                search=BundleEntrySearch(mode="match"),
            )
            for resource in found
        ]
        or None,
    )


@bp.route("/Task/<resource_id>", methods=["PATCH", "PUT"])
def update_task(resource_id: str) -> Response:
    reader = current_reader("system/Task.read", "system/Task.write")
    kind = RESOURCE_TYPES["Task"]
    referral = reader.referral(_referral_id(resource_id))
    if referral is None or kind.read(reader, resource_id) is None:
        return outcome(404, "not-found", f"Task/{resource_id} is not known")
    expected = _if_match()
    if expected is None:
        return outcome(428, "required", "send If-Match with the Task's ETag (its meta.versionId)")
    if expected != str(referral.version):
        return outcome(412, "conflict", "the Task changed since it was read; read it again")
    try:
        status, reason = _requested_change()
        change_status(referral, status, reason, actor=reader.owner.user)
    except (TaskChangeRefused, ActionRefused) as exc:
        return outcome(422, "business-rule", str(exc))
    except Conflict as exc:
        return outcome(412, "conflict", str(exc))
    changed = kind.read(reader, resource_id)
    if changed is None:
        return outcome(404, "not-found", f"Task/{resource_id} is no longer in your queues")
    return _response(changed)


def _referral_id(resource_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(resource_id)
    except ValueError:
        return uuid.UUID(int=0)


def _if_match() -> str | None:
    value = request.headers.get("If-Match")
    if value is None:
        return None
    return value.strip().removeprefix("W/").strip('"')


def _requested_change() -> tuple[str, str | None]:
    """The Task status (and statusReason code) asked for by a JSON Patch or a whole Task."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise TaskChangeRefused("the body is not JSON") from None
    if request.method == "PATCH":
        if request.mimetype != JSON_PATCH:
            raise TaskChangeRefused(f"PATCH takes {JSON_PATCH}")
        return _from_patch(body)
    if not isinstance(body, dict) or body.get("resourceType") != "Task":
        raise TaskChangeRefused("PUT takes a whole Task")
    return _status_and_reason(body)


def _from_patch(body: object) -> tuple[str, str | None]:
    if not isinstance(body, list) or not body:
        raise TaskChangeRefused("a JSON Patch is a non-empty list of operations")
    changed: dict[str, object] = {}
    for operation in body:
        if not isinstance(operation, dict) or operation.get("op") not in ("replace", "add"):
            raise TaskChangeRefused("only replace and add operations are supported")
        path = operation.get("path")
        if path not in ("/status", "/statusReason", "/businessStatus"):
            raise TaskChangeRefused("only /status, /statusReason and /businessStatus may change")
        changed[str(path).lstrip("/")] = operation.get("value")
    return _status_and_reason(changed)


def _status_and_reason(task: dict[str, Any]) -> tuple[str, str | None]:
    status = task.get("status")
    if not isinstance(status, str):
        raise TaskChangeRefused("status is required")
    reason = task.get("statusReason")
    code = None
    if isinstance(reason, dict):
        codings = reason.get("coding")
        if isinstance(codings, list) and codings and isinstance(codings[0], dict):
            found = codings[0].get("code")
            code = found if isinstance(found, str) else None
    return status, code
