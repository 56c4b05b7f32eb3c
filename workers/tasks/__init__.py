"""Celery tasks. Importing this package registers them with the current Celery app."""

from workers.tasks import (
    audit,
    drafts,
    fhir_export,
    notifications,
    outbox,
    rescreen,
    routing,
)

__all__ = ["audit", "drafts", "fhir_export", "notifications", "outbox", "rescreen", "routing"]
