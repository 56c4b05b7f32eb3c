"""Filling in the client intake through the Flask test client, as a browser would.

`IntakeWalker` reads each page's form (hidden fields, radio groups, checkboxes),
answers it and follows the redirects, so tests state only what matters to them:
which answers to give (`answers={"asq.1": 1}`), the rest being the first option
("No" / "Not at all" in these instruments) or a chooser function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PREFER_NOT = "prefer_not_to_answer"


@dataclass
class PageForm:
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)
    checkboxes: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForm] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(PageForm(a.get("action", "")))
        elif not self.forms:
            return
        elif tag == "input":
            form = self.forms[-1]
            kind = a.get("type", "text")
            if kind == "hidden":
                form.hidden[a["name"]] = a.get("value", "")
            elif kind == "radio":
                form.radios.setdefault(a["name"], []).append(a["value"])
                if "checked" in a:
                    form.checked[a["name"]] = a["value"]
            elif kind == "checkbox":
                form.checkboxes.append(a["name"])
            elif "name" in a:
                form.texts.append(a["name"])
        elif tag == "button":
            self.forms[-1].buttons.append((a.get("name", ""), a.get("value", "")))


def page_forms(html: str) -> list[PageForm]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def main_form(html: str) -> PageForm:
    """The page's form with a `screen` field (a step), else the last form with a CSRF token."""
    forms = [f for f in page_forms(html) if "language" not in f.action]
    for form in forms:
        if "screen" in form.hidden:
            return form
    return forms[-1]


Chooser = Callable[[str, list[str]], str]


# Answers that raise no flag: safe now, an adult to count on, a family that works well
# (Family APGAR "Almost always"), otherwise "No" / "Not at all" (code 0) wherever offered.
# An intake answered like this routes to general intake review and is not asked the ITQ.
CALM = {"safety.now": "1", "rel.2": "1", **{f"apgar.{i}": "2" for i in range(1, 6)}}


def calm(item_id: str, values: list[str]) -> str:
    if item_id in CALM:
        return CALM[item_id]
    return "0" if "0" in values else values[0]


def first_option(item_id: str, values: list[str]) -> str:
    return values[0]


class IntakeWalker:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.response: TestResponse | None = None
        self.visited: list[str] = []

    # --- pages -------------------------------------------------------------------------
    @property
    def html(self) -> str:
        assert self.response is not None
        return self.response.get_data(as_text=True)

    @property
    def path(self) -> str:
        assert self.response is not None
        return self.response.request.path

    def get(self, url: str) -> TestResponse:
        self.response = self.client.get(url, follow_redirects=True)
        self.visited.extend(r.request.path for r in self.response.history)
        self.visited.append(self.response.request.path)
        return self.response

    def post(self, url: str, data: Mapping[str, Any]) -> TestResponse:
        self.response = self.client.post(url, data=dict(data), follow_redirects=True)
        self.visited.extend(r.request.path for r in self.response.history)
        self.visited.append(self.response.request.path)
        return self.response

    def heading(self) -> str:
        match = re.search(r"<h1[^>]*>(.*?)</h1>", self.html, re.S)
        return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""

    def screen(self) -> str | None:
        match = re.search(r'name="screen" value="([^"]+)"', self.html)
        return match.group(1) if match else None

    def on_note(self) -> bool:
        return "/note" in (main_form(self.html).action if self.response else "")

    def note_section(self) -> str | None:
        return main_form(self.html).hidden.get("section") if self.on_note() else None

    def walk_to(self, target: str, answers: Mapping[str, object] | None = None) -> None:
        """Answer calmly until the screen `target`, or the content note of section `target`."""
        self.walk(answers, stop=lambda w: target in (w.screen(), w.note_section()))
        assert target in (self.screen(), self.note_section()), (target, self.path, self.heading())

    # --- steps -------------------------------------------------------------------------
    def start(
        self, path: str = "adult_self", age: int = 34, *, consent: bool = True
    ) -> TestResponse:
        self.get("/intake")
        form = main_form(self.html)
        data: dict[str, Any] = {"csrf_token": form.hidden["csrf_token"], "path": path}
        data["subject_age"] = str(age)
        if consent:
            data["consent"] = "y"
        return self.post("/intake", data)

    def on_contact(self) -> bool:
        return (self.screen() or "").startswith("contact")

    def contact(self, **fields: Any) -> TestResponse:
        """Fill in the contact screens (the ways, each way's details, when and what to call
        the client), each with the `fields` it shows; stop where a screen shows an error."""
        assert self.screen() == "contact", self.heading()
        fields = fields or {"no_contact": "y"}
        while self.on_contact():
            screen = self.screen()
            form = main_form(self.html)
            names = {*form.radios, *form.checkboxes, *form.texts}
            data = {**form.hidden, "action": "continue"}
            data.update({name: value for name, value in fields.items() if name in names})
            if "caregiver_contact_ok" in form.radios and "caregiver_contact_ok" not in data:
                data["caregiver_contact_ok"] = "no"
            self.post(form.action, data)
            if self.screen() == screen:  # refused: the test looks at the errors
                break
        assert self.response is not None
        return self.response

    def answer_contact_details(self) -> TestResponse:
        """Continue from a later contact screen as it stands (e.g. after Back)."""
        form = main_form(self.html)
        data = {**form.hidden, "action": "continue"}
        if "caregiver_contact_ok" in form.radios:
            data["caregiver_contact_ok"] = form.checked.get("caregiver_contact_ok", "no")
        return self.post(form.action, data)

    def about(self, sex: str = "female") -> TestResponse:
        assert self.screen() == "about", self.heading()
        form = main_form(self.html)
        return self.post(form.action, {**form.hidden, "action": "continue", "sex": sex})

    def answer(
        self,
        answers: Mapping[str, object] | None = None,
        *,
        choose: Chooser = calm,
        action: str = "continue",
        leave_out: tuple[str, ...] = (),
    ) -> TestResponse:
        """Answer the current question step (given answers win, else `choose`).

        A section longer than five questions is asked over consecutive screens: given
        answers that are on a later screen of the same section are answered there, the
        screens in between as `choose` says (as if the section were one screen)."""
        section = self.section()
        pending = set(answers or {})
        while True:
            form = main_form(self.html)
            assert "screen" in form.hidden, f"not a question step: {self.heading()}"
            data: dict[str, Any] = {**form.hidden, "action": action}
            for name, values in form.radios.items():
                if name in leave_out:
                    continue
                given = (answers or {}).get(name, "unset")
                if given == "unset":
                    data[name] = choose(name, values)
                else:
                    data[name] = PREFER_NOT if given is None else str(given)
            pending -= set(form.radios)
            screen = form.hidden["screen"]
            response = self.post(form.action, data)
            later = {name for name in pending if name.split(".")[0] == section}
            if action != "continue" or not later or self.section() != section:
                return response
            if self.screen() == screen:  # refused: the test looks at the errors
                return response

    def section(self) -> str | None:
        """The section of the question screen shown (its screen id up to the first '-')."""
        screen = self.screen()
        if screen is None or screen.startswith(("contact", "about")):
            return None
        return screen.split("-")[0]

    def note(self, action: str = "continue") -> TestResponse:
        form = main_form(self.html)
        assert form.action.endswith("/note"), self.heading()
        return self.post(form.action, {**form.hidden, "action": action})

    def walk(
        self,
        answers: Mapping[str, object] | None = None,
        *,
        choose: Chooser = calm,
        stop: Callable[[IntakeWalker], bool] | None = None,
        limit: int = 80,
    ) -> None:
        """Answer screen after screen (reading content notes) until review or `stop`."""
        for _ in range(limit):
            if stop is not None and stop(self):
                return
            if self.path == "/intake/review" or self.path != self.path.rstrip("/"):
                return
            if self.path.startswith("/intake/support"):
                self.get("/intake/continue")
                continue
            if self.on_note():
                self.note()
            elif self.on_contact():
                self.contact() if self.screen() == "contact" else self.answer_contact_details()
            elif self.screen() == "about":
                self.about()
            elif self.screen():
                self.answer(answers, choose=choose)
            else:
                return
        raise AssertionError("the intake did not reach the review page")

    def submit(self) -> TestResponse:
        assert self.path == "/intake/review", self.path
        form = main_form(self.html)
        return self.post(form.action, form.hidden)


def submit_calm_intake(client: FlaskClient, path: str = "adult_self", age: int = 41) -> None:
    """Fill in and send a whole intake with calm answers (routes to general intake review)."""
    walker = IntakeWalker(client)
    walker.start(path, age)
    walker.walk()
    walker.submit()
    assert walker.path == "/intake/sent", (walker.path, walker.heading())
