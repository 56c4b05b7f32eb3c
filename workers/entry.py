"""Entry point of worker and beat processes: `celery -A workers.entry worker`."""

from clinic import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
