"""Work handed to the task broker: the names of tasks and queues (`names`), shared by
the web and the workers; the transactional outbox that publishes them (`outbox`); the
web's Celery app and the broker settings web and workers share (`celery_app`)."""
