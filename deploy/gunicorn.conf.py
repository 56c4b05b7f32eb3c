"""Gunicorn settings for the web app.

    gunicorn --config deploy/gunicorn.conf.py 'clinic:create_app()'

Read by gunicorn at start-up (and again on SIGHUP, a graceful reload: new
workers start with new code while the old ones finish their requests). Every
value can be changed from the environment without editing this file.
"""

import multiprocessing
import os

# Where to listen: behind nginx on the same machine, the loopback address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers; requests are short (the broker publish has its own timeout).
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"

# A request taking longer than this is killed and answered 502 by nginx; a worker
# asked to stop (reload, shutdown) gets graceful_timeout to finish its request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5

# Restart each worker after a number of requests (with jitter), so that no slow
# leak grows for ever; the others keep serving meanwhile. A new worker loads the
# whole app again (about a second of CPU), so the number is high enough that,
# even under a heavy load, restarts cost a small part of the requests' time.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = max_requests // 10

# Code is loaded in each worker, not in the master, so that SIGHUP reloads it.
preload_app = False

# The access log names the path without its query string (a query could carry
# something personal), the status, the size and the time taken in microseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)sus'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# nginx on the same machine sets X-Forwarded-*; the app trusts TRUSTED_PROXY_HOPS of them.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# In production gunicorn's own lines (start-up, worker restarts, the access log)
# are JSON objects too, like the app's (clinic.observability.logs).
if (
    os.environ.get("LOG_FORMAT", "json" if os.environ.get("APP_ENV") == "production" else "text")
    == "json"
):
    _json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _json},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"level": "INFO", "handlers": []},  # the app adds its own (clinic.observability)
        "loggers": {
            "gunicorn.error": {
                "handlers": ["stderr"],
                "level": loglevel.upper(),
                "propagate": False,
            },
            "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def child_exit(server: object, worker: object) -> None:
    """Prometheus multiprocess mode: a gone worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


# Reloads and stops go by signal (systemd's ExecReload sends SIGHUP), not by a control socket.
control_socket_disable = True
