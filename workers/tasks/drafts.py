"""The intake drafts sweep (beat): safety autosubmit, then purge of expired drafts."""

from __future__ import annotations

from clinic.broker.names import TaskNames
from clinic.intake import sweep
from workers.typed_tasks import task


@task(name=TaskNames.SWEEP_DRAFTS)
def sweep_drafts() -> dict[str, int]:
    """Returns how many drafts were submitted and how many purged."""
    submitted = sweep.submit_quiet_drafts_after_safety_page()
    purged = sweep.purge_expired_drafts()
    return {"submitted": submitted, "purged": purged}
