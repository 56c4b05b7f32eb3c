"""No-store, a strict CSP with no inline script or style, and no answer in any address."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from clinic.security_headers import CONTENT_SECURITY_POLICY
from tests.clinic.intake.walker import IntakeWalker

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
CLIENT_PAGES = ("/intake", "/intake/privacy", "/intake/safety-tips", "/intake/resume")
# Every address the intake uses: fixed words and a screen number, nothing else.
STEP_URL = re.compile(
    r"^/intake(/step/\d+(/note)?|/review|/sent|/support(/leave|/more)?"
    r"|/saved(/email|/new-code)?|/continue|/close|/resume|/exit)?$"
)


def test_client_pages_are_never_stored_and_send_the_security_headers(
    client: FlaskClient, walker: IntakeWalker
) -> None:
    walker.start("adult_self", 30)
    for url in (*CLIENT_PAGES, "/intake/step/1", "/intake/support", "/intake/sent"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["X-Frame-Options"] == "DENY", url
    policy = CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy


def test_staff_and_health_pages_get_the_policy_too(client: FlaskClient) -> None:
    for url in ("/staff/login", "/healthz"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    pages = [p for p in TEMPLATES.rglob("*.html") if "email" not in p.parts]
    assert len(pages) > 10
    for page in pages:
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), page
        assert "<style" not in text, page
        assert not re.search(r"\sstyle=", text), page
        assert not re.search(r"\son[a-z]+=", text), page
        assert "javascript:" not in text, page


def test_no_third_party_script_font_or_tracker() -> None:
    for page in TEMPLATES.rglob("*.html"):
        for src in re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"]+)"', page.read_text()):
            assert not urlsplit(src).netloc, (page, src)


def test_quick_exit_is_a_plain_link_on_every_client_page(client: FlaskClient) -> None:
    for url in CLIENT_PAGES:
        page = client.get(url).get_data(as_text=True)
        assert (
            '<a class="quick-exit" id="quick-exit" href="/intake/exit" '
            'rel="noreferrer noopener">Leave this site quickly</a>' in page
        ), url
        assert "opens weather.com in this tab at once and closes the form in this browser." in page
        assert "It does not clear your browser history." in page
        assert 'href="/intake/safety-tips"' in page
        assert '<script src="/static/intake.js" defer></script>' in page


def test_the_quick_exit_script_replaces_the_history_entry() -> None:
    script = (Path(__file__).resolve().parents[3] / "clinic/static/intake.js").read_text()
    assert "window.location.replace(exit.href)" in script
    assert '"Escape"' in script


def test_no_address_carries_an_answer_or_a_personal_detail(app: Flask) -> None:
    for path, age, answers in (
        ("adult_self", 47, {"asq.1": 1, "phq9.9": 3}),
        ("teen_self", 13, {"reg.2": 1}),
        ("caregiver_child", 4, {"child.3": 1}),
    ):
        walker = IntakeWalker(app.test_client())
        walker.start(path, age)
        walker.contact(email_allowed="y", email="private@example.org", name="Robin")
        walker.walk(answers)
        walker.submit()
        assert walker.path == "/intake/sent"
        assert "/intake/support" in walker.visited
        for url in walker.visited:
            assert STEP_URL.match(url), url
        for response in walker.response.history if walker.response else ():
            location = response.headers.get("Location", "")
            assert "private" not in location and "Robin" not in location
