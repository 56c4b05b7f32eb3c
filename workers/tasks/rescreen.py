"""Re-screens while waiting: the beat sweep that invites, and each sent re-screen's
assessment in the routing worker (both idempotent)."""

from __future__ import annotations

from clinic.broker.names import TaskNames
from clinic.models.unit_of_work import unit_of_work
from clinic.rescreen.assess import assess_rescreen_once
from clinic.rescreen.invitations import invite_due_clients
from workers.typed_tasks import task


@task(name=TaskNames.INVITE_RESCREENS)
def invite_rescreens() -> int:
    """Invite the waiting clients who are due; each client is its own unit of work."""
    return invite_due_clients()


@task(name=TaskNames.ASSESS_RESCREEN)
def assess_rescreen(rescreen_id: str) -> str:
    """Assess one sent re-screen; a second run changes nothing. Returns its status."""
    with unit_of_work():
        return assess_rescreen_once(rescreen_id)
