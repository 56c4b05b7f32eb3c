"""Work handed to the task broker: the names of tasks and queues (`names`), which the
web and the workers share."""
