"""The periodic outbox sweep (beat): publishes again whatever is still due."""

from __future__ import annotations

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from workers.typed_tasks import task


@task(name=TaskNames.SWEEP_OUTBOX)
def sweep_outbox() -> int:
    """Publish due outbox rows; returns how many the broker took."""
    outbox.give_up_on_exhausted()
    return sum(outbox.publish(message_id) for message_id in outbox.due_ids())
