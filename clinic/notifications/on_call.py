"""Paging the on-call contacts about an urgent intake, again and again until acknowledged.

One `OnCallAlert` per intake (docs/clinical-policy.md, safety pathway), started by
whichever comes first:
- `page_for_draft`: a saved answer made `acute` true while the client is still
  filling in the form. The message says only that an intake in progress needs
  urgent attention, and links to the alert's own console page.
- `Pages.link_or_page`: routing wrote a staff alert about the intake. A draft-stage
  alert is linked to it (pages say "a referral" and link to it from then on)
  and nothing is paged again; an intake not yet paged is paged if the referral
  is urgent.
Pages repeat every `urgent_repeat_minutes` (`repeat_pages`, beat) until a staff
member acknowledges them (`acknowledge`). No message carries clinical detail.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update

from clinic.extensions import db, rows_matched
from clinic.models import NotificationMessage, OnCallAlert, StaffAlert, StaffUser
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications.links import on_call_alert_link, staff_alert_link
from clinic.notifications.queueing import Recipient, add_message
from clinic.observability import metrics
from clinic.security import audit
from clinic.settings.clinic_settings import clinic_settings

log = logging.getLogger(__name__)

DRAFT_PAGE_TEMPLATE = "staff_draft_page"
"""An intake in progress needs urgent attention (no referral yet)."""
REFERRAL_PAGE_TEMPLATE = "staff_page"
"""An urgent referral needs attention."""


def _repeat_after() -> timedelta:
    return timedelta(minutes=clinic_settings().notifications.urgent_repeat_minutes)


def on_call_recipients() -> list[Recipient]:
    """Every channel of every on-call contact; without any, the intake coordinators."""
    settings = clinic_settings().notifications
    language = settings.staff_language
    recipients = []
    for contact in settings.on_call:
        if contact.email:
            recipients.append(Recipient(f"oncall:{contact.name}", "email", contact.email, language))
        if contact.sms:
            recipients.append(Recipient(f"oncall:{contact.name}", "sms", contact.sms, language))
    if recipients:
        return recipients
    log.warning("no on-call contacts configured: paging the intake coordinators")
    coordinators = db.session.scalars(
        select(StaffUser)
        .where(StaffUser.is_enabled.is_(True), StaffUser.role == "intake_coordinator")
        .order_by(StaffUser.email)
    ).all()
    return [Recipient(f"staff:{user.id}", "email", user.email, language) for user in coordinators]


def alert_for(submission_id: uuid.UUID) -> OnCallAlert | None:
    """The intake's on-call alert, if it was ever paged."""
    return db.session.scalars(
        select(OnCallAlert).where(
            OnCallAlert.submission_id == submission_id, OnCallAlert.rescreen_id.is_(None)
        )
    ).one_or_none()


def linked_staff_alert(page: OnCallAlert) -> StaffAlert | None:
    """The staff alert routing linked the page to; None while the intake is not routed."""
    if page.staff_alert_id is None:
        return None
    return db.session.get(StaffAlert, page.staff_alert_id)


def _start(
    submission_id: uuid.UUID,
    staff_alert: StaffAlert | None,
    rescreen_id: uuid.UUID | None = None,
    recipients: Sequence[Recipient] | None = None,
) -> OnCallAlert:
    page = OnCallAlert(
        id=uuid.uuid4(),
        submission_id=submission_id,
        staff_alert_id=None if staff_alert is None else staff_alert.id,
        rescreen_id=rescreen_id,
        pages_sent=1,
        next_page_at=utcnow() + _repeat_after(),
    )
    db.session.add(page)
    _send_page(page, 1, staff_alert, recipients)
    return page


def page_for_draft(submission_id: uuid.UUID) -> OnCallAlert | None:
    """In the draft save's transaction: the first page; None if the intake was paged before.

    The caller holds the draft's row lock, so two saves of one draft cannot both page.
    """
    if alert_for(submission_id) is not None:
        return None
    return _start(submission_id, staff_alert=None)


def page_for_rescreen(
    submission_id: uuid.UUID, rescreen_id: uuid.UUID, staff_alert: StaffAlert | None
) -> OnCallAlert:
    """In the re-screen's assessment: page on-call about a re-screen that found risk acute,
    once per re-screen (pages link to the referral's staff alert where it has one)."""
    db.session.flush()
    found = db.session.scalars(
        select(OnCallAlert).where(OnCallAlert.rescreen_id == rescreen_id)
    ).one_or_none()
    if found is not None:
        return found
    return _start(submission_id, staff_alert, rescreen_id=rescreen_id)


class Pages:
    """In routing: the on-call pages of the intakes whose staff alerts are being written.

    Read once, up front (one query), and kept up to date as pages start, so that
    the alerts of one intake never page twice and nothing is flushed in between.
    """

    def __init__(self, submission_ids: Sequence[uuid.UUID]) -> None:
        self._pages: dict[uuid.UUID, OnCallAlert | None] = dict.fromkeys(submission_ids)
        if self._pages:
            # Pages written before (a draft's) are committed: what the caller added is
            # flushed once, at its commit, not for this query.
            with db.session.no_autoflush:
                pages = db.session.scalars(
                    select(OnCallAlert).where(
                        OnCallAlert.submission_id.in_(list(self._pages)),
                        OnCallAlert.rescreen_id.is_(None),
                    )
                ).all()
            for page in pages:
                self._pages[page.submission_id] = page
        self._recipients: list[Recipient] | None = None

    def link_or_page(self, alert: StaffAlert, *, urgent: bool) -> None:
        """Link the intake's unlinked page to `alert`, or page on-call for an urgent
        referral of an intake not paged before. Never a second page."""
        page = self._pages.get(alert.submission_id)
        if page is None:
            if urgent:
                self._pages[alert.submission_id] = _start(
                    alert.submission_id, alert, recipients=self._on_call()
                )
            return
        if page.staff_alert_id is None:
            page.staff_alert_id = alert.id

    def _on_call(self) -> list[Recipient]:
        if self._recipients is None:
            with db.session.no_autoflush:  # staff rows only: nothing pending changes them
                self._recipients = on_call_recipients()
        return self._recipients


def _page_event(page_id: uuid.UUID, number: int) -> str:
    return f"page:{page_id}:{number}"


def page_id_of(message: NotificationMessage) -> uuid.UUID:
    """The on-call alert a page message belongs to (its event is `page:<id>:<number>`)."""
    return uuid.UUID(message.event.split(":")[1])


def page_messages(page: OnCallAlert) -> Sequence[NotificationMessage]:
    """Every page (first and repeats) of this alert, oldest first."""
    return db.session.scalars(
        select(NotificationMessage)
        .where(NotificationMessage.event.startswith(f"page:{page.id}:", autoescape=True))
        .order_by(NotificationMessage.created_at)
    ).all()


def _send_page(
    page: OnCallAlert,
    number: int,
    staff_alert: StaffAlert | None,
    recipients: Sequence[Recipient] | None = None,
) -> None:
    """Page number `number`; `staff_alert`: the one the page links to, if any."""
    if staff_alert is None:
        link = on_call_alert_link(page.id)
        template, referral_id = DRAFT_PAGE_TEMPLATE, None
    else:
        link = staff_alert_link(staff_alert.id)
        template, referral_id = REFERRAL_PAGE_TEMPLATE, staff_alert.referral_id
    for recipient in on_call_recipients() if recipients is None else recipients:
        add_message(
            _page_event(page.id, number),
            recipient,
            template,
            {"link": link, "number": number},
            submission_id=page.submission_id,
            referral_id=referral_id,
            new_event=number == 1,  # the page was started in this transaction
        )


def repeat_pages(now: datetime | None = None) -> int:
    """Beat: page again every unacknowledged alert whose repeat is due; returns how many.

    Each alert's repeat is a unit of work of its own, so one that fails does not
    hold back (or undo) the pages of the others.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(OnCallAlert).where(
            OnCallAlert.acknowledged_at.is_(None), OnCallAlert.next_page_at <= now
        )
    ).all()
    repeated = 0
    for page in due:
        with unit_of_work():
            repeated += _repeat(page, now)
    return repeated


def _repeat(page: OnCallAlert, now: datetime) -> int:
    """The next page of `page`, unless another sweep sent it first; 1 if sent."""
    number = page.pages_sent + 1
    claimed = db.session.execute(
        update(OnCallAlert)
        .where(
            OnCallAlert.id == page.id,
            OnCallAlert.pages_sent == page.pages_sent,
            OnCallAlert.acknowledged_at.is_(None),
        )
        .values(pages_sent=number, next_page_at=now + _repeat_after())
    )
    if not rows_matched(claimed):
        return 0
    _send_page(page, number, linked_staff_alert(page))
    return 1


def acknowledge(page: OnCallAlert, staff: StaffUser) -> bool:
    """Stop the pages; audited. False if someone acknowledged them already."""
    stopped = db.session.execute(
        update(OnCallAlert)
        .where(OnCallAlert.id == page.id, OnCallAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=staff.id, next_page_at=None)
    )
    if not rows_matched(stopped):
        return False
    waited = (utcnow() - page.created_at).total_seconds()
    metrics.ON_CALL_TIME_TO_ACKNOWLEDGE.observe(max(0.0, waited))
    staff_alert = linked_staff_alert(page)
    audit.record(
        "alert.acknowledged",
        target_type="submission" if staff_alert is None else "referral",
        target_id=page.submission_id if staff_alert is None else staff_alert.referral_id,
        actor=staff,
        detail={"on_call_alert": str(page.id), "pages_sent": page.pages_sent},
    )
    return True
