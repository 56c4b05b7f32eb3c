"""Waiting safely, staff side: the "worse while waiting" filter and badge, and the
referral page's scores over time (chart, summary in words, table)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.models import Referral
from clinic.models.columns import utcnow
from clinic.staff.trends import score_history
from tests import factories
from tests.clinic.staff import support

PHQ9_12 = dict(zip([f"phq9.{n}" for n in range(1, 10)], [2, 2, 2, 2, 2, 1, 1, 0, 0], strict=True))
GAD7_6 = dict(zip([f"gad7.{n}" for n in range(1, 8)], [1, 1, 1, 1, 1, 1, 0], strict=True))


def _referral(**overrides: object) -> Referral:
    made = factories.referral(answers={"safety.now": 1, **PHQ9_12, **GAD7_6}, **overrides)
    db.session.commit()
    return made


@pytest.mark.usefixtures("app_context")
def test_the_filter_keeps_the_referrals_worse_while_waiting(
    app: Flask, client: FlaskClient
) -> None:
    worse = _referral(worse_since=utcnow() - timedelta(days=2))
    steady = _referral()
    support.sign_in(client, support.staff())

    everything = support.page_text(client, "/staff")
    assert "Worse while waiting" in support.row_of(everything, worse)
    assert "Worse while waiting" not in support.row_of(everything, steady)

    only_worse = support.page_text(client, "/staff?waiting=worse")
    support.row_of(only_worse, worse)
    assert str(steady.id)[:8] not in only_worse
    assert re.search(r'<option value="worse"\s+selected>Worse while waiting</option>', only_worse)

    queue_page = support.page_text(client, f"/staff/queues/{worse.queue}?waiting=worse")
    assert str(steady.id)[:8] not in queue_page and str(worse.id)[:8] in queue_page


@pytest.mark.usefixtures("app_context")
def test_an_unknown_waiting_value_filters_nothing(app: Flask, client: FlaskClient) -> None:
    steady = _referral()
    support.sign_in(client, support.staff())
    support.row_of(support.page_text(client, "/staff?waiting=better"), steady)


@pytest.mark.usefixtures("app_context")
def test_the_referral_page_says_worse_while_waiting_in_words(
    app: Flask, client: FlaskClient
) -> None:
    worse = _referral(worse_since=utcnow() - timedelta(days=2))
    steady = _referral()
    support.sign_in(client, support.staff())
    assert "Worse while waiting" in support.page_text(client, f"/staff/referrals/{worse.id}")
    assert "Worse while waiting" not in support.page_text(client, f"/staff/referrals/{steady.id}")


@pytest.mark.usefixtures("app_context")
def test_the_history_is_the_intake_scores_one_point_each(app: Flask) -> None:
    made = _referral()
    history = score_history(made)
    totals = {name: [p.total for p in points] for name, points in history.items()}
    assert (totals["phq9"], totals["gad7"]) == ([12], [6])
    assert {p.source for points in history.values() for p in points} == {"intake"}
    assert history["phq9"][0].at == made.submission.submitted_at


@pytest.mark.usefixtures("app_context")
def test_the_referral_page_draws_each_rescreened_instrument_with_words_and_a_table(
    app: Flask, client: FlaskClient
) -> None:
    made = _referral()
    support.sign_in(client, support.staff())
    page = support.page_text(client, f"/staff/referrals/{made.id}")

    start = page.index('id="trends-title"')
    section = page[start : page.index("</section>", start)]
    for instrument, name, summary in (
        ("phq9", "PHQ-9", "PHQ-9: 12 (moderate) at the intake; not answered again yet."),
        ("gad7", "GAD-7", "GAD-7: 6 (mild) at the intake; not answered again yet."),
    ):
        svg = re.search(rf'<svg class="trend-chart"[^>]*trend-{instrument}-title[^>]*>', section)
        assert svg and 'role="img"' in svg.group(0)
        assert f'<title id="trend-{instrument}-title">{name} over time</title>' in section
        assert re.search(rf'<desc id="trend-{instrument}-desc">{re.escape(summary)}', section)
        assert f"<caption>{name} scores, oldest first</caption>" in section
    assert section.count('class="trend-dot"') == 2  # one point each, from the intake
    assert section.count("<td>the intake</td>") == 2
    assert " style=" not in section and "<script" not in section  # the CSP allows neither


@pytest.mark.usefixtures("app_context")
def test_the_csv_export_follows_the_filter(app: Flask, client: FlaskClient) -> None:
    worse = _referral(worse_since=utcnow())
    _referral()
    support.sign_in(client, support.staff())
    text = client.get(f"/staff/queues/{worse.queue}/export.csv?waiting=worse").text
    assert [row["reference"] for row in csv.DictReader(io.StringIO(text))] == [str(worse.id)]
