"""The periodic outbox sweep (beat): publishes again whatever is still due."""

from __future__ import annotations

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.models.unit_of_work import unit_of_work
from workers.typed_tasks import task


@task(name=TaskNames.SWEEP_OUTBOX)
def sweep_outbox() -> int:
    """Publish due outbox rows; returns how many the broker took.

    Giving up on exhausted rows is committed first, then the claim of the rows
    this sweep publishes (no other sweep takes them); then each row's publishing
    is a unit of work of its own (`outbox.publish_claimed`).
    """
    with unit_of_work():
        outbox.give_up_on_exhausted()
    with unit_of_work():
        claimed, lease_end = outbox.claim_due()
    return outbox.publish_claimed(claimed, lease_end)
