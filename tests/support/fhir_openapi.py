"""An OpenAPI 3.1 description of the FHIR interface's read and search interactions.

Generated from the server's own CapabilityStatement (`clinic.fhir.rest.capability`):
one search operation per resource type with its search parameters, one read per
type, and `metadata`. Kept with the tests rather than served: FHIR clients read the
CapabilityStatement (`GET /fhir/R4/metadata`), which is the interface's published
description; this document exists so schemathesis can fuzz what that statement says.
Every answer is `application/fhir+json`; each error is an OperationOutcome.
"""

from __future__ import annotations

from typing import Any

from clinic.fhir.rest.capability import capability_statement

BASE = "/fhir/R4"
MEDIA = "application/fhir+json"
OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {"severity": {"type": "string"}, "code": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    "400": "A search parameter or value the server cannot use",
    "401": "No valid bearer token",
    "403": "The token lacks the scope",
    "404": "Not known, or not in the token owner's queues",
}


def _resource(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"const": name}},
    }


def _responses(ok: dict[str, Any], errors: tuple[str, ...]) -> dict[str, Any]:
    answers = {"200": {"description": "OK", "content": {MEDIA: {"schema": ok}}}}
    for status in errors:
        answers[status] = {
            "description": ERRORS[status],
            "content": {MEDIA: {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}},
        }
    return answers


def _search_bundle(name: str) -> dict[str, Any]:
    entry = {"type": "object", "properties": {"resource": _resource(name)}}
    return {
        "type": "object",
        "required": ["resourceType", "type", "link"],
        "properties": {
            "resourceType": {"const": "Bundle"},
            "type": {"const": "searchset"},
            "link": {"type": "array", "minItems": 1},
            "entry": {"type": "array", "items": entry},
        },
    }


def document() -> dict[str, Any]:
    """The description, from the CapabilityStatement this server publishes."""
    statement = capability_statement()
    security = [{"bearerToken": []}]
    paths: dict[str, Any] = {
        f"{BASE}/metadata": {
            "get": {
                "operationId": "metadata",
                "security": [],
                "responses": _responses(_resource("CapabilityStatement"), ()),
            }
        }
    }
    for resource in statement.rest[0].resource or []:
        name = resource.type
        parameters = [
            {"name": p.name, "in": "query", "required": False, "schema": {"type": "string"}}
            for p in resource.searchParam or []
        ]
        paths[f"{BASE}/{name}"] = {
            "get": {
                "operationId": f"search_{name}",
                "security": security,
                "parameters": parameters,
                "responses": _responses(_search_bundle(name), ("400", "401", "403")),
            }
        }
        paths[f"{BASE}/{name}/{{id}}"] = {
            "get": {
                "operationId": f"read_{name}",
                "security": security,
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": _responses(_resource(name), ("400", "401", "403", "404")),
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Clinic intake FHIR R4 (read and search)", "version": "4.0.1"},
        "paths": paths,
        "components": {
            "schemas": {"OperationOutcome": OUTCOME},
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
        },
    }
