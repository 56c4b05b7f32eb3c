"""Celery tasks. Importing this package registers them with the current Celery app."""

from workers.tasks import outbox, routing

__all__ = ["outbox", "routing"]
