"""The audit chain's beat tasks (`maintenance`): the sealer and the head export."""

from __future__ import annotations

from clinic.broker.names import TaskNames
from clinic.security import audit_heads, audit_seal
from workers.typed_tasks import task


@task(name=TaskNames.SEAL_AUDIT)
def seal_audit() -> int | None:
    """Seal the committed unsealed events, a batch per transaction; how many (None: another
    sealer leads)."""
    return audit_seal.seal_pending()


@task(name=TaskNames.EXPORT_AUDIT_HEAD)
def export_audit_head() -> int | None:
    """Append the committed chain head to the heads file if it moved; the event it seals up to.

    Only committed seals are read, so a head in the file is always one the chain holds.
    """
    line = audit_heads.export_head()
    return None if line is None else line.sealed_up_to_id
