"""Optional error reporting to Sentry: `pip install .[sentry]` and set SENTRY_DSN.

Off unless SENTRY_DSN is set. What leaves the machine is the exception's type,
message and stack (file, function, line), the logger and the ids of the logs
(request, task, outbox); `before_send` removes everything that could carry an
answer, a contact detail, a session or a resume code: request bodies, cookies,
headers, query strings, local variables of every frame, log breadcrumbs' data,
and any user or extra context.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

REQUEST_KEPT = ("method", "url")  # the URL without its query string: fixed words and ids only


def _strip_frames(container: Mapping[str, Any] | None) -> None:
    for frame in (container or {}).get("stacktrace", {}).get("frames", []) or []:
        frame.pop("vars", None)


def before_send(event: dict[str, Any], hint: object = None) -> dict[str, Any]:
    """The event with nothing personal left in it."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {key: request[key] for key in REQUEST_KEPT if key in request}
        if "url" in event["request"]:
            event["request"]["url"] = str(event["request"]["url"]).split("?", 1)[0]
    for exception in (event.get("exception") or {}).get("values", []) or []:
        _strip_frames(exception)
    for thread in (event.get("threads") or {}).get("values", []) or []:
        _strip_frames(thread)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []) or []:
        crumb.pop("data", None)
    for key in ("user", "extra", "modules"):
        event.pop(key, None)
    return event


def init(config: Mapping[str, Any]) -> bool:
    """Start reporting when SENTRY_DSN is set (and the extra installed); True if started."""
    dsn = str(config.get("SENTRY_DSN") or "")
    if not dsn:
        return False
    try:
        import sentry_sdk
    except ImportError:
        log.warning("SENTRY_DSN is set but sentry-sdk is not installed: pip install .[sentry]")
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=str(config.get("APP_ENV") or ""),
        before_send=before_send,  # type: ignore[arg-type]
        include_local_variables=False,
        max_request_body_size="never",
        default_integrations=True,
    )
    return True
