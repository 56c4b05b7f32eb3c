"""The timed walk: a coordinator triages 20 routed referrals in the browser (open,
read, accept or reroute) and the page loads each one took are counted.

The test asserts that every referral ended where it was sent, never a time; it
writes the figure to test-artifacts/bench-triage.txt (`make bench-triage` prints
it; the README's Benchmarks section keeps the last one measured). The target is
at most 2 page loads per referral: the referral page, and the page its action
returns to, which links on to the next one.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from clinic.extensions import db
from clinic.models import Referral
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from tests import factories
from tests.e2e.conftest import _make_stack
from tests.e2e.test_staff_triage import SECRET, sign_in
from tests.support.browser import ARTIFACTS, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REFERRALS = 20
FIGURE = ARTIFACTS / "bench-triage.txt"


def _seed(count: int) -> list[str]:
    """`count` intakes routed to general intake review, oldest first; their readable ids."""
    references = []
    for n in range(count):
        submission = factories.submitted_intake(answers={"safety.now": 1})
        db.session.commit()
        with unit_of_work():  # as the routing task runs it
            record_routing(str(submission.id))
        referral = db.session.scalars(
            db.select(Referral).where(Referral.submission_id == submission.id)
        ).one()
        referral.created_at = utcnow() - timedelta(hours=count - n)  # a steady order
        db.session.commit()
        references.append(str(submission.reference))
    return references


def test_triaging_twenty_referrals_takes_two_page_loads_each(
    browser: Browser, tmp_path: Path
) -> None:
    for stack in _make_stack("embedded", tmp_path):
        app = stack.web_app()
        with app.app_context():
            coordinator = factories.staff_user(display_name="Cora Coordinator")
            coordinator.mfa_secret = SECRET
            coordinator.mfa_confirmed_at = utcnow()
            factories.staff_user(
                email="ivy@example.org",
                display_name="Ivy Intake",
                role="clinician",
                queues=["intake"],
            )
            references = _seed(REFERRALS)

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        loads: list[str] = []
        with LiveServer(app) as server:
            sign_in(page, server.url)
            page.goto(f"{server.url}/staff/queues/intake")
            page.on("load", lambda loaded, seen=loads: seen.append(loaded.url))
            page.get_by_role(
                "link", name=f"General intake review referral of {references[0]}"
            ).click()
            for n, reference in enumerate(references):
                heading = page.get_by_role("heading", level=1)
                expect(heading).to_have_text(f"General intake review referral of {reference}")
                expect(page.get_by_role("region", name="Why this referral")).to_be_visible()
                if n % 2 == 0:
                    page.get_by_label("Assign to").select_option(label="Ivy Intake")
                    page.get_by_role("button", name="Accept and assign").click()
                    expect(page.get_by_text("Referral accepted and assigned.")).to_be_visible()
                else:
                    page.get_by_label("To queue").select_option(label="DBT")
                    page.get_by_role("button", name="Reroute").click()
                    expect(page.get_by_text("Referral rerouted")).to_be_visible()
                expect(heading).to_have_text(f"General intake review referral of {reference}")
                if n + 1 < len(references):
                    page.get_by_role("link", name="Next referral in this queue").click()
        context.close()

        with app.app_context():
            statuses = {
                r.submission.reference: (r.status, r.assignee_id is not None)
                for r in db.session.scalars(db.select(Referral).where(Referral.queue == "intake"))
            }
            dbt = db.session.scalars(db.select(Referral).where(Referral.queue == "dbt")).all()
        assert [statuses[ref] for ref in references] == [
            ("accepted", True) if n % 2 == 0 else ("rerouted", False) for n in range(REFERRALS)
        ]
        assert len(dbt) == REFERRALS // 2
        per_referral = len(loads) / REFERRALS
        FIGURE.parent.mkdir(parents=True, exist_ok=True)
        FIGURE.write_text(
            f"page loads per referral: {per_referral:.2f} "
            f"({len(loads)} page loads for {REFERRALS} referrals: open, read, accept or reroute)\n"
        )
