"""The CapabilityStatement: what this server really supports, built from the resource table."""

from __future__ import annotations

from datetime import UTC, datetime

from fhir.resources.R4B.capabilitystatement import (
    CapabilityStatement,
    CapabilityStatementImplementation,
    CapabilityStatementRest,
    CapabilityStatementRestResource,
    CapabilityStatementRestResourceInteraction,
    CapabilityStatementRestResourceSearchParam,
    CapabilityStatementRestSecurity,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding

from clinic.fhir import codes
from clinic.fhir.rest.resource_types import RESOURCE_TYPES
from clinic.fhir.rest.search import PAGING

PARAMETER_TYPES = {
    "_lastUpdated": "date",
    "status": "token",
    "subject": "reference",
    "based-on": "reference",
    "target": "reference",
    "_count": "number",
    "_offset": "number",
}
FHIR_VERSION = "4.0.1"
SECURITY = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def capability_statement() -> CapabilityStatement:
    return CapabilityStatement(
        status="active",
        date=datetime.now(UTC),
        kind="instance",
        fhirVersion=FHIR_VERSION,
        format=["application/fhir+json"],
        patchFormat=["application/json-patch+json"],
        implementation=CapabilityStatementImplementation(
            description="Clinic intake: screening intakes, scores and specialist referrals",
            url=codes.base_url(),
        ),
        rest=[
            CapabilityStatementRest(
                mode="server",
                security=CapabilityStatementRestSecurity(
                    service=[CodeableConcept(coding=[Coding(system=SECURITY, code="OAuth")])],
                    description="Bearer tokens made with `flask staff token create`.",
                ),
                resource=[
                    _resource(name, kind.parameters) for name, kind in RESOURCE_TYPES.items()
                ],
            )
        ],
    )


def _resource(name: str, parameters: tuple[str, ...]) -> CapabilityStatementRestResource:
    interactions = ["read", "search-type"]
    if name == "Task":
        interactions += ["patch", "update"]
    return CapabilityStatementRestResource(
        type=name,
        interaction=[
            CapabilityStatementRestResourceInteraction(code=code) for code in interactions
        ],
        versioning="versioned-update" if name == "Task" else "no-version",
        updateCreate=False if name == "Task" else None,
        conditionalUpdate=False if name == "Task" else None,
        searchParam=[
            CapabilityStatementRestResourceSearchParam(name=p, type=PARAMETER_TYPES[p])
            for p in (*parameters, *PAGING)
        ],
    )
