"""Notifications from the workers: staff alerts, client messages, exactly once.

Contract functions (each called inside the caller's transaction; messages are
sent by the `notifications.send` task after the commit):

- `queue_staff_alerts(referrals)`: routing, after writing the referrals, inside
  `one_task_for(submission_id)` (one task sends all the intake's staff messages);
- `on_call.page_for_draft(submission_id)`: the intake, when a saved answer makes
  `acute` true (routing later links that alert instead of paging again);
- `queue_submission_confirmation(submission)`: the intake, at submit;
- `queue_resume_link(submission, link, code)`: the intake, at a draft save;
- `queue_contact_attempt(submission, attempt_id)`: staff, after trying to reach a client;
- `queue_rescreen_invitation(submission, invitation_id, link, days)`: the re-screen sweep;
- `on_call.page_for_rescreen(...)`: a re-screen's assessment that found risk acute.

Services only: the console pages of alerts and failed messages are staff pages
(clinic.staff.notification_views).
"""

from clinic.notifications.client import (
    queue_contact_attempt,
    queue_rescreen_invitation,
    queue_resume_link,
    queue_submission_confirmation,
)
from clinic.notifications.queueing import one_task_for
from clinic.notifications.staff_alerts import queue_staff_alerts

__all__ = [
    "one_task_for",
    "queue_contact_attempt",
    "queue_rescreen_invitation",
    "queue_resume_link",
    "queue_staff_alerts",
    "queue_submission_confirmation",
]
