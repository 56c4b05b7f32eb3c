"""A referral as FHIR: a ServiceRequest (what was asked for and why), a Task (where it
stands, following the referral lifecycle), and a Provenance naming the rules that
made it. Also the CodeSystems of our own codes.

The Task's `meta.versionId` is the referral's optimistic-locking version, so an
external scheduler's `If-Match` is checked against the same number staff edits are.
"""

from __future__ import annotations

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.codesystem import CodeSystem, CodeSystemConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.provenance import Provenance, ProvenanceAgent, ProvenanceEntity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from clinic.fhir import codes
from clinic.fhir.intake_resources import (
    flag_id,
    observation_id,
    patient_reference,
    response_reference,
    safety_flags,
)
from clinic.models import Referral
from clinic.models.documents import event_detail_of, explanation_of
from referrals import QUEUES

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


def service_request(referral: Referral) -> ServiceRequest:
    submission = referral.submission
    explanation = explanation_of(referral)
    queue = _queue_concept(referral.queue)
    reasons = [
        Reference(reference=f"Flag/{flag_id(submission, f)}") for f in safety_flags(submission)
    ]
    reasons += [
        Reference(reference=f"Observation/{observation_id(submission, instrument)}")
        for instrument in (submission.scores or {})
    ]
    return ServiceRequest(
        id=str(referral.id),
        meta=_meta(referral),
        status=codes.SERVICE_REQUEST_STATUS.get(referral.status, "active"),
        intent="order",
        category=[queue],
        code=queue,
        priority=codes.PRIORITY.get(referral.priority, "routine"),
        subject=patient_reference(submission),
        authoredOn=referral.created_at,
        reasonCode=[CodeableConcept(text=explanation.sentence)]
        if explanation is not None and explanation.sentence
        else None,
        reasonReference=reasons or None,
        supportingInfo=[response_reference(submission)],
        replaces=[Reference(reference=f"ServiceRequest/{referral.rerouted_from_id}")]
        if referral.rerouted_from_id
        else None,
    )


def task(referral: Referral) -> Task:
    status, business = codes.TASK_STATUS[referral.status]
    reason = last_reason(referral)
    return Task(
        id=str(referral.id),
        meta=_meta(referral),
        status=status,
        businessStatus=CodeableConcept(text=business),
        statusReason=CodeableConcept(coding=[Coding(code=reason)]) if reason else None,
        intent="order",
        priority=codes.PRIORITY.get(referral.priority, "routine"),
        code=CodeableConcept(coding=[Coding(system=TASK_CODE, code="fulfill")]),
        basedOn=[Reference(reference=f"ServiceRequest/{referral.id}")],
        focus=Reference(reference=f"ServiceRequest/{referral.id}"),
        for_fhir=patient_reference(referral.submission),
        authoredOn=referral.created_at,
        lastModified=referral.updated_at,
    )


def last_reason(referral: Referral) -> str | None:
    """The reason code of the step that ended the referral (close, decline, reroute)."""
    for event in reversed(referral.events):
        if event.kind == "transition" and event.to_status == referral.status:
            return event_detail_of(event).reason
    return None


def provenance(referral: Referral) -> Provenance:
    explanation = explanation_of(referral)
    rules_version = referral.submission.rules_version or "unknown"
    rule_ids = explanation.rule_ids + explanation.priority_rule_ids if explanation else []
    return Provenance(
        id=str(referral.id),
        meta=_meta(referral),
        target=[Reference(reference=f"ServiceRequest/{referral.id}")],
        recorded=referral.created_at,
        policy=[f"{codes.base_url()}/routing-rules/{rules_version}#{rule}" for rule in rule_ids]
        or None,
        activity=CodeableConcept(coding=[Coding(system=codes.PROVENANCE_ACTIVITY, code="CREATE")]),
        agent=[
            ProvenanceAgent(
                who=Reference(display=f"Routing rules {rules_version}"),
            )
        ],
        entity=[ProvenanceEntity(role="source", what=response_reference(referral.submission))],
    )


def _code_system(
    system_id: str, name: str, title: str, concepts: list[tuple[str, str, str]]
) -> CodeSystem:
    """One of our complete code systems, published at its read address."""
    return CodeSystem(
        id=system_id,
        url=codes.canonical("CodeSystem", system_id),
        name=name,
        title=title,
        status="active",
        content="complete",
        caseSensitive=True,
        concept=[
            CodeSystemConcept(code=code, display=display, definition=definition)
            for code, display, definition in concepts
        ],
    )


def code_systems() -> dict[str, CodeSystem]:
    """Our code systems by id: the queues and the safety flags."""
    systems = (
        _code_system(
            codes.QUEUE_SYSTEM_ID,
            "ClinicQueue",
            "Specialist queues a referral can be routed to",
            [(q.id, q.name, q.description) for q in QUEUES.values()],
        ),
        _code_system(
            codes.FLAG_SYSTEM_ID,
            "ClinicSafetyFlag",
            "Safety flags the routing policy raises",
            [(f.id, f.label, f.explanation) for f in codes.safety_flag_labels()],
        ),
    )
    return {str(system.id): system for system in systems}


def _queue_concept(queue: str) -> CodeableConcept:
    name = QUEUES[queue].name if queue in QUEUES else queue
    return CodeableConcept(coding=[Coding(system=codes.queue_system(), code=queue, display=name)])


def _meta(referral: Referral) -> Meta:
    return Meta(versionId=str(referral.version), lastUpdated=referral.updated_at)
