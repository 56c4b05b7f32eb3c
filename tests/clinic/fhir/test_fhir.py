"""The FHIR R4 interface: resources built from real routed intakes, parsed back with
fhir.resources, the access rules of tokens, search and paging, the Task closed loop."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from flask.testing import FlaskClient
from sqlalchemy import select

import forms
from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.fhir.questionnaires import questionnaire_ids
from clinic.models import AuditEvent, IntakeSubmission, Referral, StaffUser
from tests import factories
from tests.clinic.staff import support

pytestmark = pytest.mark.usefixtures("app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}
ANSWERS: dict[str, int | None] = {
    "safety.now": 1,
    "phq9.9": 1,
    "gad7.1": None,
    **PTSD_POSITIVE,
}
"""Suicide item positive (DBT, priority), PTSD screen positive (EMDR), one refusal."""


def _token(user: StaffUser) -> dict[str, str]:
    token = create_token(user, "fhir")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _coordinator() -> dict[str, str]:
    return _token(factories.coordinator(display_name="FHIR Coordinator"))


def _routed(answers: dict[str, int | None] | None = None) -> IntakeSubmission:
    submission = factories.routed_intake(answers=answers or ANSWERS)
    db.session.commit()
    return submission


def _get(client: FlaskClient, path: str, headers: dict[str, str]) -> Any:
    response = client.get(f"/fhir/R4/{path}", headers=headers)
    assert response.mimetype == "application/fhir+json", response.data
    return response


def test_metadata_is_a_capability_statement_of_what_is_served(client: FlaskClient) -> None:
    response = _get(client, "metadata", {})
    statement = CapabilityStatement.model_validate(response.json)
    served = {resource.type for resource in statement.rest[0].resource}
    assert {"QuestionnaireResponse", "Observation", "ServiceRequest", "Task", "Flag"} <= served
    task = next(r for r in statement.rest[0].resource if r.type == "Task")
    assert {i.code for i in task.interaction} == {"read", "search-type", "patch", "update"}
    assert statement.fhirVersion == "4.0.1"


def test_reads_need_a_token_and_its_scope(client: FlaskClient) -> None:
    response = _get(client, "Task", {})
    assert response.status_code == 401
    assert OperationOutcome.model_validate(response.json).issue[0].code == "login"
    submission = _routed()
    user = factories.coordinator()
    token = create_token(user, "tasks only", scopes=["system/Task.read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert _get(client, "Task", headers).status_code == 200
    refused = _get(client, f"QuestionnaireResponse/{submission.id}", headers)
    assert refused.status_code == 403
    assert "system/QuestionnaireResponse.read" in refused.json["issue"][0]["diagnostics"]
    referral = submission.referrals[0]
    ops = [{"op": "replace", "path": "/status", "value": "received"}]
    etag = {"If-Match": f'W/"{referral.version}"'}
    assert _patch(client, referral, headers, ops, **etag).status_code == 403
    assert "fhir.forbidden" in db.session.scalars(select(AuditEvent.action)).all()


def test_an_admin_account_cannot_hold_fhir_scopes() -> None:
    with pytest.raises(ValueError, match=r"does not allow system/Task\.read"):
        create_token(factories.admin(), "fhir", scopes=["system/Task.read"])


@pytest.mark.parametrize("questionnaire_id", questionnaire_ids())
def test_every_questionnaire_parses_and_follows_its_definition(
    client: FlaskClient, questionnaire_id: str
) -> None:
    response = _get(client, f"Questionnaire/{questionnaire_id}", _coordinator())
    questionnaire = Questionnaire.model_validate(response.json)
    if questionnaire_id.startswith("flow-"):
        sections = [group.linkId for group in questionnaire.item]
        assert all(section in forms.SECTION_IDS for section in sections)
        return
    definition = forms.get_definition(questionnaire_id.replace("-", "_"))
    assert questionnaire.version == definition.version
    assert [item.linkId for item in questionnaire.item] == [i.id for i in definition.items]
    codes = [c.code for c in questionnaire.code or []]
    assert codes == ([definition.loinc_panel] if definition.loinc_panel else [])
    for item, source in zip(questionnaire.item, definition.items, strict=True):
        assert [o.valueCoding.code for o in item.answerOption] == [
            str(o.code) for o in source.options
        ]


def test_branching_is_enable_when(client: FlaskClient) -> None:
    questionnaire = Questionnaire.model_validate(
        _get(client, "Questionnaire/pcptsd5", _coordinator()).json
    )
    symptom = next(item for item in questionnaire.item if item.linkId == "pcptsd5.1")
    assert [(w.question, w.operator, w.answerCoding.code) for w in symptom.enableWhen] == [
        ("pcptsd5.0", "=", "1")
    ]


def test_spanish_wording_is_a_translation_extension(client: FlaskClient) -> None:
    body = _get(client, "Questionnaire/phq9", _coordinator()).json
    extension = body["item"][0]["_text"]["extension"][0]
    assert extension["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    assert {e["url"] for e in extension["extension"]} == {"lang", "content"}


def test_a_questionnaire_response_holds_the_answers_and_refusals(client: FlaskClient) -> None:
    submission = _routed()
    body = _get(client, f"QuestionnaireResponse/{submission.id}", _coordinator()).json
    response = QuestionnaireResponse.model_validate(body)
    assert response.status == "completed"
    assert response.subject.reference == f"Patient/{submission.id}"
    answers = {item.linkId: item.answer[0] for group in response.item for item in group.item or []}
    assert set(answers) == set(ANSWERS)
    assert answers["phq9.9"].valueCoding.code == "1"
    refused = answers["gad7.1"]
    assert refused.valueCoding is None
    assert refused.extension[0].valueCode == "asked-declined"
    assert "phq9.1" not in answers


def test_observations_carry_each_score_and_loinc_only_where_known(client: FlaskClient) -> None:
    submission = _routed()
    headers = _coordinator()
    bundle = Bundle.model_validate(
        _get(client, f"Observation?subject=Patient/{submission.id}", headers).json
    )
    observations = {e.resource.id: e.resource for e in bundle.entry}
    scores = submission.scores or {}
    assert set(observations) == {f"{submission.id}-{name}" for name in scores}
    pcptsd5 = Observation.model_validate(
        _get(client, f"Observation/{submission.id}-pcptsd5", headers).json
    )
    assert pcptsd5.valueInteger == scores["pcptsd5"]["total"] == 5
    assert pcptsd5.derivedFrom[0].reference == f"QuestionnaireResponse/{submission.id}"
    phq9 = observations[f"{submission.id}-phq9"]
    assert [c.code for c in phq9.code.coding] == ["44261-6"]
    assert phq9.valueInteger is None and phq9.dataAbsentReason is not None
    assert pcptsd5.code.coding is None


def test_safety_flags_are_flags(client: FlaskClient) -> None:
    submission = _routed()
    bundle = Bundle.model_validate(
        _get(client, f"Flag?subject=Patient/{submission.id}", _coordinator()).json
    )
    flags = [Flag.model_validate(e.resource.model_dump()) for e in bundle.entry]
    assert "suicide_risk" in {f.code.coding[0].code for f in flags}


def test_each_referral_is_a_service_request_and_a_task(client: FlaskClient) -> None:
    submission = _routed()
    headers = _coordinator()
    referrals = db.session.scalars(
        select(Referral).where(Referral.submission_id == submission.id).order_by(Referral.rank)
    ).all()
    assert [r.queue for r in referrals] == ["dbt", "emdr"]
    for referral in referrals:
        request = ServiceRequest.model_validate(
            _get(client, f"ServiceRequest/{referral.id}", headers).json
        )
        assert request.category[0].coding[0].code == referral.queue
        assert request.priority == "urgent"  # our "priority"
        assert request.supportingInfo[0].reference == f"QuestionnaireResponse/{submission.id}"
        response = _get(client, f"Task/{referral.id}", headers)
        task = Task.model_validate(response.json)
        assert (task.status, task.businessStatus.text) == ("requested", "New")
        assert task.basedOn[0].reference == f"ServiceRequest/{referral.id}"
        assert response.headers["ETag"] == f'W/"{referral.version}"'


def test_search_pages_with_links(client: FlaskClient) -> None:
    _routed()
    _routed()
    headers = _coordinator()
    first = Bundle.model_validate(_get(client, "Task?status=requested&_count=3", headers).json)
    assert first.total == 4 and len(first.entry) == 3
    following = next(link.url for link in first.link if link.relation == "next")
    second = Bundle.model_validate(_get(client, following.split("/fhir/R4/")[1], headers).json)
    assert len(second.entry) == 1
    seen = {e.resource.id for e in first.entry} | {e.resource.id for e in second.entry}
    assert len(seen) == 4


@pytest.mark.parametrize(
    "query",
    [
        "Task?colour=red",
        "Task?_lastUpdated=yesterday",
        "Task?status=done",
        "Task?_count=x",
        "Task?_offset=%C2%B9",  # a superscript one: a digit to str.isdigit, not to int()
        "Task?subject=nobody",
        "Unknown?x=1",
        "Task?_lastUpdated=9999-12-31",
    ],
)
def test_a_search_it_cannot_do_is_an_operation_outcome(client: FlaskClient, query: str) -> None:
    response = _get(client, query, _coordinator())
    assert response.status_code == 400
    assert OperationOutcome.model_validate(response.json).issue[0].code == "invalid"


def test_a_clinicians_token_sees_only_their_queues(client: FlaskClient) -> None:
    submission = _routed()
    dbt, emdr = sorted(submission.referrals, key=lambda r: r.rank)
    headers = _token(factories.clinician(queues=("dbt",)))
    assert _get(client, f"Task/{dbt.id}", headers).status_code == 200
    assert _get(client, f"Task/{emdr.id}", headers).status_code == 404
    tasks = Bundle.model_validate(_get(client, "Task", headers).json)
    assert [e.resource.id for e in tasks.entry] == [str(dbt.id)]
    other = _routed({"safety.now": 1, **PTSD_POSITIVE})  # EMDR only
    assert _get(client, f"QuestionnaireResponse/{other.id}", headers).status_code == 404


def _patch(
    client: FlaskClient, referral: Referral, headers: dict[str, str], ops: Any, **more: str
) -> Any:
    return client.patch(
        f"/fhir/R4/Task/{referral.id}",
        json=ops,
        headers={**headers, "Content-Type": "application/json-patch+json", **more},
    )


def _accepted(submission: IntakeSubmission) -> Referral:
    """The DBT referral, reviewed and accepted in the console by a DBT clinician."""
    from clinic.staff.referral_actions import Step, apply

    referral = next(r for r in submission.referrals if r.queue == "dbt")
    coordinator = factories.coordinator()
    clinician = factories.clinician(queues=("dbt",))
    apply(referral, Step("start_review"), actor=coordinator, expected_version=referral.version)
    db.session.refresh(referral)
    apply(
        referral,
        Step("accept", assignee_id=clinician.id),
        actor=coordinator,
        expected_version=referral.version,
    )
    db.session.commit()
    db.session.refresh(referral)
    return referral


def test_completing_a_task_closes_the_referral(client: FlaskClient) -> None:
    referral = _accepted(_routed())
    headers = _coordinator()
    ops = [{"op": "replace", "path": "/status", "value": "completed"}]
    assert _patch(client, referral, headers, ops).status_code == 428
    assert _patch(client, referral, headers, ops, **{"If-Match": 'W/"999"'}).status_code == 412

    response = _patch(client, referral, headers, ops, **{"If-Match": f'W/"{referral.version}"'})

    assert response.status_code == 200, response.json
    assert Task.model_validate(response.json).status == "completed"
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert closed is not None and closed.status == "closed"
    steps = [e.to_status for e in closed.events if e.kind == "transition"]
    assert steps[-2:] == ["contacted", "closed"]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"referral.mark_contacted", "referral.close"} <= set(actions)


def test_an_external_change_shows_in_the_console(client: FlaskClient) -> None:
    referral = _accepted(_routed())
    ops = [{"op": "replace", "path": "/status", "value": "in-progress"}]
    etag = {"If-Match": f'W/"{referral.version}"'}
    assert _patch(client, referral, _coordinator(), ops, **etag).status_code == 200

    support.sign_in(client, support.staff("intake_coordinator"))
    page = support.page_text(client, f"/staff/referrals/{referral.id}")

    assert "Scheduled" in page
    assert "FHIR Coordinator" in page


def test_what_needs_a_person_is_refused(client: FlaskClient) -> None:
    submission = _routed()
    referral = next(r for r in submission.referrals if r.queue == "dbt")
    headers = _coordinator()
    etag = {"If-Match": f'W/"{referral.version}"'}
    for status in ("accepted", "cancelled", "completed"):
        ops = [{"op": "replace", "path": "/status", "value": status}]
        response = _patch(client, referral, headers, ops, **etag)
        assert response.status_code == 422, status
        assert OperationOutcome.model_validate(response.json).issue[0].code == "business-rule"
    rejected = [{"op": "replace", "path": "/status", "value": "rejected"}]
    assert _patch(client, referral, headers, rejected, **etag).status_code == 422
    with_reason = [
        *rejected,
        {"op": "add", "path": "/statusReason", "value": {"coding": [{"code": "duplicate"}]}},
    ]
    response = _patch(client, referral, headers, with_reason, **etag)
    assert response.status_code == 200
    task = Task.model_validate(response.json)
    assert (task.status, task.statusReason.coding[0].code) == ("rejected", "duplicate")


INVARIANTS = {
    # obs-6: dataAbsentReason only when there is no value
    "Observation": ["dataAbsentReason.empty() or value.empty()"],
    # qrs-1: an item has answers or items, never both at one level
    "QuestionnaireResponse": [
        "item.all((answer.exists() and item.exists()).not())",
        "item.item.all(answer.exists())",
    ],
    # que-1 (groups have items), que-2 (linkIds unique)
    "Questionnaire": [
        "descendants().where(type = 'group').all(item.exists())",
        "descendants().linkId.isDistinct()",
    ],
    # bdl-7: fullUrl unique
    "Bundle": ["entry.fullUrl.isDistinct()"],
}


def test_fhirpath_invariants_hold_on_what_is_served(client: FlaskClient) -> None:
    from fhirpathpy import evaluate

    submission = _routed()
    headers = _coordinator()
    served = [
        _get(client, f"QuestionnaireResponse/{submission.id}", headers).json,
        _get(client, "Questionnaire/flow-adult-self", headers).json,
        _get(client, f"Observation?subject=Patient/{submission.id}", headers).json,
    ]
    served += [entry["resource"] for entry in served[-1]["entry"]]
    for resource in served:
        for expression in INVARIANTS[resource["resourceType"]]:
            assert evaluate(resource, expression) == [True], (resource["resourceType"], expression)
