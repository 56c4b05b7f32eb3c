"""Work handed to the task broker: the names of tasks and queues (`names`), shared by
the web and the workers, and the transactional outbox that publishes them (`outbox`)."""
