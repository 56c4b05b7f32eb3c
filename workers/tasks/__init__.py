"""Celery tasks. Importing this package registers them with the current Celery app."""

from workers.tasks import audit, drafts, notifications, outbox, routing

__all__ = ["audit", "drafts", "notifications", "outbox", "routing"]
