"""Links in messages: absolute, on the site's public address.

That address is CLINIC_BASE_URL when set; when it is empty, a link built during a
request (a resume link) uses the address the browser used. A worker has no request:
it needs CLINIC_BASE_URL (`make run` sets it for its worker to the address it serves on).

The workers' app has no pages to build a link from, so the paths of the staff
console pages that messages link to are written here; a test checks each against
the web app's own `url_for`.
"""

from __future__ import annotations

import uuid

from flask import current_app, has_request_context, request

CONSOLE_HOME = "/staff"  # the staff console's queues (staff.dashboard)


class NoBaseUrl(RuntimeError):
    """A link is needed outside a request and CLINIC_BASE_URL is not set."""


def base_url() -> str:
    """The site's public address, without a trailing slash."""
    configured = str(current_app.config.get("CLINIC_BASE_URL") or "")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    raise NoBaseUrl("CLINIC_BASE_URL is not set: a message needs the site's public address")


def site_link(path: str) -> str:
    return base_url() + path


def staff_alert_link(alert_id: uuid.UUID) -> str:
    """A staff alert's page (staff.notifications.alert)."""
    return site_link(f"{CONSOLE_HOME}/alerts/{alert_id}")


def on_call_alert_link(page_id: uuid.UUID) -> str:
    """The page of an on-call alert paged from a draft (staff.notifications.on_call_alert)."""
    return site_link(f"{CONSOLE_HOME}/on-call/{page_id}")


def rescreen_link(token: str) -> str:
    """A re-screen's one-time link (rescreen.open_link): the token is all it carries."""
    return site_link(f"/rescreen/{token}")
