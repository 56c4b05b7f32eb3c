"""Celery tasks. Importing this package registers them with the current Celery app."""

from workers.tasks import drafts, notifications, outbox, routing

__all__ = ["drafts", "notifications", "outbox", "routing"]
