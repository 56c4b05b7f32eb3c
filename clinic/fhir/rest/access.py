"""Who may read and write what through the FHIR interface.

A bearer token (the API's, `flask staff token create`) needs the SMART-style scope
of what it does (`system/Task.read`, `system/Task.write`, ...). An intake
coordinator's token sees every queue; a clinician's token only the referrals in
their queues, and the intakes behind those referrals. Every read, search and write is audited as the
token owner's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NoReturn

from flask import request
from sqlalchemy import Select, select

from clinic.api.scopes import FHIR_READABLE
from clinic.api.tokens import TokenOwner, authenticate
from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral
from clinic.security import audit


@dataclass(frozen=True)
class Reader:
    """The token's owner and the queues they may see."""

    owner: TokenOwner
    queues: tuple[str, ...]

    def referrals(self) -> Select[Referral]:
        return select(Referral).where(Referral.queue.in_(self.queues))

    def referral(self, referral_id: uuid.UUID) -> Referral | None:
        return db.session.scalars(self.referrals().where(Referral.id == referral_id)).first()

    def require(self, *scopes: str) -> None:
        """`Forbidden` (audited) unless the token holds every one of `scopes` and its
        owner's role still allows them."""
        for scope in scopes:
            refusal = self.owner.refusal(scope)
            if refusal is not None:
                self.refuse(refusal)

    def refuse(self, why: str) -> NoReturn:
        audit.record("fhir.forbidden", actor=self.owner.actor, detail={"path": request.path})
        raise Forbidden(why)

    def submission(self, submission_id: uuid.UUID) -> IntakeSubmission | None:
        """The intake, if one of its referrals is in a queue the reader may see."""
        visible = select(Referral.id).where(
            Referral.submission_id == submission_id, Referral.queue.in_(self.queues)
        )
        if db.session.scalar(visible.limit(1)) is None:
            return None
        return db.session.get(IntakeSubmission, submission_id)


class Unauthorised(Exception):
    pass


class Forbidden(Exception):
    pass


def current_reader(*scopes: str) -> Reader:
    """The reader of this request, holding every one of `scopes`: `Unauthorised` without a
    live token, `Forbidden` (audited, naming why) for a scope the token lacks or its
    owner's role no longer allows (the catalogue gives FHIR scopes to clinical roles only)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    owner = authenticate(token.strip()) if scheme.lower() == "bearer" and token else None
    if owner is None:
        raise Unauthorised
    reader = Reader(owner, owner.visible_queues)
    reader.require(*scopes)
    return reader


def read_scope(resource_type: str) -> tuple[str, ...]:
    """The scope reading `resource_type` needs (none for definitions)."""
    return (f"system/{resource_type}.read",) if resource_type in FHIR_READABLE else ()


def record(action: str, reader: Reader, **detail: str | int) -> None:
    audit.record(f"fhir.{action}", actor=reader.owner.actor, detail=dict(detail))
