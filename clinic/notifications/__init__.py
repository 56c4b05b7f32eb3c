"""Notifications from the workers: staff alerts, client messages, exactly once.

Contract functions (each called inside the caller's transaction; messages are
sent by the `notifications.send` task after the commit):

- `queue_staff_alerts(referrals)`: routing, after writing the referrals;
- `on_call.page_for_draft(submission_id)`: the intake, when a saved answer makes
  `acute` true (routing later links that alert instead of paging again);
- `queue_submission_confirmation(submission)`: the intake, at submit;
- `queue_resume_link(submission, link, code)`: the intake, at a draft save;
- `queue_contact_attempt(submission, attempt_id)`: staff, after trying to reach a client.
"""

from flask import Blueprint

from clinic.staff import bp as staff_bp

# Nested in the staff console: its sign-in, idle timeout, no-store and error
# pages apply here too. Endpoints are `staff.notifications.*`, URLs under /staff.
bp = Blueprint("notifications", __name__)
staff_bp.register_blueprint(bp)

from clinic.notifications import (  # noqa: E402, F401  routes; the retention setting
    retention,
    views,
)
from clinic.notifications.client import (  # noqa: E402
    queue_contact_attempt,
    queue_resume_link,
    queue_submission_confirmation,
)
from clinic.notifications.staff_alerts import queue_staff_alerts  # noqa: E402

__all__ = [
    "bp",
    "queue_contact_attempt",
    "queue_resume_link",
    "queue_staff_alerts",
    "queue_submission_confirmation",
]
