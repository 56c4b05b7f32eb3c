"""Links in messages: absolute (CLINIC_BASE_URL), built outside any request.

The workers' app has no pages to build a link from, so the paths of the staff
console pages that messages link to are written here; a test checks each against
the web app's own `url_for`.
"""

from __future__ import annotations

import uuid

from flask import current_app

CONSOLE_HOME = "/staff"  # the staff console's queues (staff.dashboard)


def site_link(path: str) -> str:
    base: str = current_app.config["CLINIC_BASE_URL"]
    return base.rstrip("/") + path


def staff_alert_link(alert_id: uuid.UUID) -> str:
    """A staff alert's page (staff.notifications.alert)."""
    return site_link(f"{CONSOLE_HOME}/alerts/{alert_id}")


def on_call_alert_link(page_id: uuid.UUID) -> str:
    """The page of an on-call alert paged from a draft (staff.notifications.on_call_alert)."""
    return site_link(f"{CONSOLE_HOME}/on-call/{page_id}")
