"""Entry point of worker and beat processes: `celery -A workers.entry worker`.

Their Flask app is the base app (clinic.app): it has no pages, and loads none.
"""

from clinic.app import create_base_app
from workers.celery_app import init_celery
from workers.observability import init_logging

flask_app = create_base_app()
init_logging(flask_app)
celery = init_celery(flask_app)
