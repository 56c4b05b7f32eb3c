"""Celery tasks. Importing this package registers them with the current Celery app."""

from workers.tasks import drafts, fhir_export, notifications, outbox, routing

__all__ = ["drafts", "fhir_export", "notifications", "outbox", "routing"]
