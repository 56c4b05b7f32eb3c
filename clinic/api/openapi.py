"""The OpenAPI 3.1 description of `/api/v1`, generated from the code.

Each view declares its operation with `@operation` (summary, request model, the
responses it gives and their models); `token_required` adds the scope it checks.
`document()` walks the application's URL map, so every `/api/v1` rule and method is
described from the view that serves it, and the schemas are the JSON Schemas of the
pydantic models the views validate with and answer from (`clinic.api.schemas`).
A rule whose view declares no operation is an error, not a silent gap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from clinic.api import bp
from clinic.api.schemas import ErrorBody
from clinic.api.scopes import CATALOGUE

PREFIX = "/api/v1"
SCHEME = "bearerToken"
IDEMPOTENCY_KEY = "Idempotency-Key"
REASONS = {
    200: "OK",
    201: "Created",
    400: "The body is not JSON, or nests too deeply",
    401: "No valid bearer token",
    403: "The token lacks the scope, or its owner's current role does not allow it",
    404: "Not found",
    422: "The request is not valid: each bad field is named",
}


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str = ""
    request: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    media_type: str = "application/json"
    idempotency_key: bool = False
    created_location: bool = False


View = Callable[..., Response]


def operation(
    summary: str,
    *,
    description: str = "",
    request: type[BaseModel] | None = None,
    responses: dict[int, type[BaseModel] | None],
    media_type: str = "application/json",
    idempotency_key: bool = False,
    created_location: bool = False,
) -> Callable[[View], View]:
    """Declare what a view does, for the description (the view itself is unchanged)."""

    def declare(view: View) -> View:
        view.openapi_operation = Operation(  # type: ignore[attr-defined]
            summary,
            description,
            request,
            responses,
            media_type,
            idempotency_key,
            created_location,
        )
        return view

    return declare


class Undocumented(LookupError):
    """An /api/v1 rule whose view declares no operation."""


def _declared(endpoint: str, view: Any) -> Operation:
    found: Operation | None = getattr(view, "openapi_operation", None)
    if found is None:
        raise Undocumented(f"{endpoint} declares no operation (clinic.api.openapi.operation)")
    return found


def _path(rule: str) -> tuple[str, list[str]]:
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule), names


def _schemas() -> tuple[dict[Any, Any], dict[str, Any]]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for endpoint, view in _views(current_app).items():
        found = _declared(endpoint, view)
        if found.request is not None:
            models.append((found.request, "validation"))
        models += [(m, "serialization") for m in found.responses.values() if m is not None]
    unique = list(dict.fromkeys(models))
    refs, defs = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    return dict(refs), defs.get("$defs", {})


def _views(app: Flask) -> dict[str, Any]:
    return {
        rule.endpoint: app.view_functions[rule.endpoint]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
    }


def _operation(
    endpoint: str, view: Any, parameters: list[str], refs: dict[Any, Any]
) -> dict[str, Any]:
    found = _declared(endpoint, view)
    scope: str | None = getattr(view, "api_scope", None)
    statuses: dict[int, type[BaseModel] | None] = dict(found.responses)
    if scope is not None:
        statuses.update({401: ErrorBody, 403: ErrorBody})
    result: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": found.summary,
        "responses": {
            str(status): _response(status, model, found, refs)
            for status, model in sorted(statuses.items())
        },
        "security": [{SCHEME: [scope]}] if scope is not None else [],
    }
    if found.description:
        result["description"] = found.description
    described = [_path_parameter(name) for name in parameters]
    if found.idempotency_key:
        described.append(_idempotency_parameter())
    if described:
        result["parameters"] = described
    if found.request is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(found.request, "validation")]}},
        }
    return result


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _idempotency_parameter() -> dict[str, Any]:
    return {
        "name": IDEMPOTENCY_KEY,
        "in": "header",
        "required": False,
        "description": (
            "Makes a retry safe: a second request with the same key and body gets the first "
            "answer and creates nothing; the same key with another body is a 422. Keys are "
            "kept per token for a day (README, JSON API)."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }


def _response(
    status: int,
    model: type[BaseModel] | None,
    found: Operation,
    refs: dict[Any, Any],
) -> dict[str, Any]:
    result: dict[str, Any] = {"description": REASONS.get(status, "OK")}
    headers: dict[str, Any] = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": {"type": "string"}}
    if status == 201 and found.created_location:
        headers["Location"] = {"schema": {"type": "string"}, "required": True}
    result["headers"] = headers
    if model is not None:
        media = "application/json" if status >= 400 else found.media_type
        result["content"] = {media: {"schema": refs[(model, "serialization")]}}
    elif status < 400:
        kind = "object" if found.media_type == "application/json" else "string"
        result["content"] = {found.media_type: {"schema": {"type": kind}}}
    return result


def _security_scheme() -> dict[str, Any]:
    scopes = "\n".join(f"- `{name}`: {scope.description}" for name, scope in CATALOGUE.items())
    return {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A token made with `flask staff token create --scope ...` or on the console's "
            "token page. Each operation names the one scope it needs; a scope works only "
            "while the owner's current role allows it.\n\nScopes:\n" + scopes
        ),
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every /api/v1 rule of the current application."""
    refs, defs = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path, parameters = _path(rule.rule)
        view = current_app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, view, parameters, refs
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Clinic intake JSON API",
            "version": "1",
            "description": (
                "Submit intakes from staff systems (phone intake, paper forms keyed in, "
                "kiosks), read their scores and referrals, and read each queue's expected "
                "wait. Every answer is JSON and never cached (`Cache-Control: no-store`); "
                "every error has the shape of `ErrorBody`."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(defs.items())),
            "securitySchemes": {SCHEME: _security_scheme()},
        },
    }


@bp.get("/openapi.json")
@operation(
    "This description (OpenAPI 3.1)",
    description="Needs no token: it names no intake, only the shape of the API.",
    responses={200: None},
)
def openapi_json() -> Response:
    return jsonify(document())


@bp.get("/docs")
@operation(
    "The reference page: this description as HTML",
    description="Needs no token. Served by the app; no script, no third-party asset.",
    responses={200: None},
    media_type="text/html",
)
def reference() -> Response:
    spec = document()
    operations = [
        (method.upper(), path, described)
        for path, methods in spec["paths"].items()
        for method, described in methods.items()
    ]
    schemas = [
        (
            name,
            schema.get("description", ""),
            _properties(schema),
            [json.dumps(example, indent=2) for example in schema.get("examples", [])],
        )
        for name, schema in spec["components"]["schemas"].items()
    ]
    page = render_template(
        "api/reference.html",
        info=spec["info"],
        operations=operations,
        schemas=schemas,
        scopes=CATALOGUE,
        type_of=_type_of,
    )
    return Response(page, mimetype="text/html")


def _properties(schema: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    """(name, type, required, description) of each property of an object schema."""
    required = set(schema.get("required", []))
    return [
        (name, _type_of(value), name in required, value.get("description", ""))
        for name, value in schema.get("properties", {}).items()
    ]


def _type_of(schema: dict[str, Any]) -> str:
    """A schema in a few words: `string`, `array of FieldError`, `one of adult_self, ...`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_type_of(part) for part in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "array of " + _type_of(schema.get("items", {}))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "object of " + _type_of(schema["additionalProperties"])
    return str(kind)
