"""What an API token may do: explicit scopes, each allowed to some roles.

A scope is a name from this catalogue: `<resource>:<read|write>` for the JSON API and
SMART-on-FHIR style `system/<Type>.read` and `system/Task.write` for the FHIR interface;
the catalogue, not a pattern, decides what is valid. A token keeps the scopes it was
given; on each request a scope works only while the owner's *current* roles allow it
(a demoted owner's token loses what the new role may not do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clinic.models import StaffUser


@dataclass(frozen=True)
class Scope:
    name: str
    description: str
    roles: frozenset[str]


FHIR_READABLE = (
    "Patient",
    "QuestionnaireResponse",
    "Observation",
    "Flag",
    "ServiceRequest",
    "Task",
    "Provenance",
)
"""FHIR resource types whose reading needs a scope (definitions need only a live token)."""

COORDINATOR = frozenset({"intake_coordinator"})
CLINICAL = frozenset({"intake_coordinator", "clinician"})

CATALOGUE: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope(
            "intakes:read", "read submitted intakes: status, scores, flags, referrals", COORDINATOR
        ),
        Scope("intakes:write", "submit intakes", COORDINATOR),
        Scope("referrals:read", "read referrals in the owner's queues", CLINICAL),
        Scope("referrals:write", "act on referrals in the owner's queues", CLINICAL),
        *(
            Scope(f"system/{name}.read", f"read FHIR {name} resources (docs/fhir.md)", CLINICAL)
            for name in FHIR_READABLE
        ),
        Scope("system/Task.write", "move referrals by changing their FHIR Task", CLINICAL),
    )
}


def allowed(user: StaffUser) -> tuple[str, ...]:
    """The scopes `user`'s current roles allow, in catalogue order."""
    return allowed_for(user.roles)


def allowed_for(roles: frozenset[str]) -> tuple[str, ...]:
    """The scopes an account with `roles` is allowed, in catalogue order."""
    return tuple(name for name, scope in CATALOGUE.items() if scope.roles & roles)


def check_requested(user: StaffUser, requested: Iterable[str]) -> tuple[str, ...]:
    """The requested scopes, in catalogue order; ValueError (plain words) naming any that
    does not exist or that the owner's role does not allow, or when there is none."""
    wanted = set(requested)
    unknown = sorted(wanted - CATALOGUE.keys())
    if unknown:
        raise ValueError(
            f"unknown scope(s) {', '.join(unknown)}: choose from {', '.join(CATALOGUE)}"
        )
    refused = sorted(wanted - set(allowed(user)))
    if refused:
        raise ValueError(f"the account's role ({user.role}) does not allow {', '.join(refused)}")
    if not wanted:
        raise ValueError("a token needs at least one scope")
    return tuple(name for name in CATALOGUE if name in wanted)
