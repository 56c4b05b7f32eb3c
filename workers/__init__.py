"""The worker and beat processes: the workers' Celery app (`celery_app`), its entry point
(`entry`) and the tasks. They run the clinic's services (clinic) and never its pages."""
