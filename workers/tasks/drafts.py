"""The intake drafts sweep (beat): safety autosubmit, then purge of expired drafts."""

from __future__ import annotations

from clinic.broker.names import TaskNames
from clinic.intake import sweep
from clinic.models.unit_of_work import unit_of_work
from workers.typed_tasks import task


@task(name=TaskNames.SWEEP_DRAFTS)
def sweep_drafts() -> dict[str, int]:
    """Returns how many drafts were submitted and how many purged.

    The submissions are committed before the purge starts, so a failing purge
    never holds back a safety autosubmit.
    """
    with unit_of_work():
        submitted = sweep.submit_quiet_drafts_after_safety_page()
    with unit_of_work():
        purged = sweep.purge_expired_drafts()
    return {"submitted": submitted, "purged": purged}
