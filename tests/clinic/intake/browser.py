"""Driving the client intake in a real browser (Playwright), as a new user would.

Used by tests/e2e/test_intake_*.py. `BrowserIntake` answers each screen, runs axe and
takes screenshots once per distinct screen, and can do everything with the keyboard
alone (Tab, Space, arrow keys, Enter), reading only where the focus is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

from tests.support.browser import assert_accessible, save_screenshot

# As tests/clinic/intake/walker.py: safe, an adult to count on, a family that works well.
CALM = {"safety.now": "1", "rel.2": "1", **{f"apgar.{i}": "2" for i in range(1, 6)}}
PREFER_NOT = "prefer_not_to_answer"


def calm(item_id: str, values: list[str]) -> str:
    if item_id in CALM:
        return CALM[item_id]
    return "0" if "0" in values else values[0]


@dataclass
class BrowserIntake:
    page: Page
    base_url: str
    name: str  # screenshot prefix
    keyboard: bool = False
    checked_pages: set[str] = field(default_factory=set)
    audit: bool = True  # axe and screenshots; off where page scripts cannot run
    answered: set[str] = field(default_factory=set)  # the questions of the last screen

    # --- what is on screen ---------------------------------------------------------------
    def screen(self) -> str | None:
        return self._hidden("screen")

    def note_section(self) -> str | None:
        return self._hidden("section")

    def _hidden(self, name: str) -> str | None:
        """The value of the form's hidden input `name` (None without one): one round trip."""
        value = self.page.evaluate(
            'name => document.querySelector(`form input[name="${name}"]`)'
            "?.getAttribute('value') ?? null",
            name,
        )
        return None if value is None else str(value)

    def questions(self) -> list[tuple[str, list[str]]]:
        """Each question on screen (`fieldset.question`): its name and its answers' values,
        read in one round trip (a call per radio button is most of a walk's time)."""
        found = self.page.evaluate(
            """[...document.querySelectorAll('fieldset.question')].map(group => {
                 const radios = [...group.querySelectorAll('input[type="radio"]')];
                 return [radios[0]?.getAttribute('name') ?? '',
                         radios.map(radio => radio.getAttribute('value') ?? '')];
               })"""
        )
        return [(str(name), [str(value) for value in values]) for name, values in found]

    def input_types(self, names: Iterable[str]) -> dict[str, str]:
        """The type of the first input named each of `names` that the page has."""
        found = self.page.evaluate(
            """names => Object.fromEntries(names
                 .map(name => [name, document.querySelector(`input[name="${name}"]`)])
                 .filter(([, input]) => input)
                 .map(([name, input]) => [name, input.getAttribute('type') ?? 'text']))""",
            list(names),
        )
        return {str(name): str(kind) for name, kind in found.items()}

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def check_page(self, key: str) -> None:
        """axe (zero violations) and a screenshot, once per distinct page."""
        if not self.audit or key in self.checked_pages:
            return
        self.checked_pages.add(key)
        self.page.wait_for_load_state("load")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        assert_accessible(self.page)
        # Reflow (WCAG 1.4.10): nothing wider than the window, at 320 px too.
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{key}: {overflow}px wider than the window"
        save_screenshot(self.page, f"intake-{self.name}-{key}")

    # --- keyboard ------------------------------------------------------------------------
    def focused(self, expression: str) -> object:
        return self.page.evaluate(
            f"(() => {{ const e = document.activeElement; return {expression}; }})()"
        )

    def tab_to(self, matches: Callable[[], bool], limit: int = 80) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if matches():
                return
        raise AssertionError("the keyboard never reached the element")

    def tab_to_button(self, value: str) -> None:
        self.tab_to(
            lambda: self.focused(f"e && e.tagName === 'BUTTON' && e.value === {value!r}") is True
        )

    def tab_to_name(self, name: str) -> None:
        self.tab_to(lambda: self.focused(f"e && e.name === {name!r}") is True)

    def press_button(self, value: str, text: str) -> None:
        """Submit the page's form and wait for the next page (a click only starts it)."""
        if self.keyboard:
            self.tab_to_button(value)
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        elif value:  # by its value, so this works in every language
            with self.page.expect_navigation():
                self.page.locator(f'button[name="action"][value="{value}"]').click()
        else:
            with self.page.expect_navigation():
                self.page.get_by_role("button", name=text, exact=True).click()

    # --- screens -------------------------------------------------------------------------
    def continue_the_form(self) -> None:
        """From a support page on to the form, once the next page has been read in."""
        self.page.get_by_role("link", name="Continue the form").click()
        self.page.wait_for_url(lambda url: not url.endswith("/intake/support"))
        self.page.wait_for_load_state("domcontentloaded")

    def start(self, path_label: str, age: int) -> None:
        self.page.goto(f"{self.base_url}/intake")
        self.check_page("start")
        if self.keyboard:
            value = {
                "Me – I am 18 or older": "adult_self",
                "Me – I am 12 to 17 years old": "teen_self",
            }.get(path_label, "caregiver_child")
            self.choose_radio("path", value)
            self.tab_to_name("subject_age")
            self.page.keyboard.type(str(age))
            self.tab_to_name("consent")
            self.page.keyboard.press("Space")
            self.tab_to(
                lambda: (
                    self.focused(
                        "e && e.type === 'submit' && e.form && e.form.action.endsWith('/intake')"
                    )
                    is True
                )
            )
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        else:
            self.page.get_by_label(path_label).check()
            self.page.get_by_label("How old are you").fill(str(age))
            self.page.get_by_label("I have read the privacy notice").check()
            self.page.get_by_role("button", name="Start", exact=True).click()
        expect(self.page.locator('input[name="screen"]')).to_have_count(1)

    def choose_radio(self, name: str, value: str) -> None:
        """Keyboard: Tab into the group, Space picks the first, arrows move to the wanted one."""
        values = self.page.evaluate(
            """name => [...document.querySelectorAll(`input[type="radio"][name="${name}"]`)]
                 .map(radio => radio.getAttribute('value'))""",
            name,
        )
        self.tab_to_name(name)
        self.page.keyboard.press("Space")
        for _ in range(values.index(value)):
            self.page.keyboard.press("ArrowDown")
        assert self.focused("e.value") == value

    def contact(self, **choices: str) -> None:
        """Fill in the contact screens (the ways, each way's details, when and what to call
        the client), each with the `choices` it shows; stop where a screen is refused."""
        fields = choices or {"no_contact": "y"}
        while (self.screen() or "").startswith("contact"):
            screen = self.screen() or ""
            self.contact_screen(screen, fields)
            if self.screen() == screen:
                return

    def contact_screen(self, screen: str, fields: Mapping[str, str]) -> None:
        """Fill in one contact screen with the `fields` it shows, and continue."""
        self.check_page(screen)
        types = self.input_types([*fields, "caregiver_contact_ok"])
        for name, value in fields.items():
            if name not in types:
                continue
            box = self.page.locator(f'input[name="{name}"]')
            if types[name] == "checkbox":
                if self.keyboard:
                    self.tab_to_name(name)
                    self.page.keyboard.press("Space")
                else:
                    box.check()
            elif types[name] == "radio":
                if self.keyboard:
                    self.choose_radio(name, value)
                else:
                    box.and_(self.page.locator(f'[value="{value}"]')).check()
            else:
                if self.keyboard:
                    self.tab_to_name(name)
                    self.page.keyboard.type(value)
                else:
                    box.fill(value)
        if "caregiver_contact_ok" in types and "caregiver_contact_ok" not in fields:
            if self.keyboard:
                self.choose_radio("caregiver_contact_ok", "no")
            else:
                self.page.locator('input[name="caregiver_contact_ok"][value="no"]').check()
        self.press_button("continue", "Continue")

    def about(self, sex: str = "female") -> None:
        self.check_page("about")
        if self.keyboard:
            self.choose_radio("sex", sex)
        else:
            self.page.locator(f'input[name="sex"][value="{sex}"]').check()
        self.press_button("continue", "Continue")

    def answer(
        self,
        answers: Mapping[str, object] | None = None,
        choose: Callable[[str, list[str]], str] = calm,
        action: str = "continue",
    ) -> None:
        """Answer the screen; given answers on later screens of the same section are
        answered there (the screens between as `choose` says)."""
        section = (self.screen() or "").split("-")[0]
        pending = set(answers or {})
        while True:
            screen = self.screen()
            self._answer_screen(answers, choose, action)
            pending -= self.answered
            later = {name for name in pending if name.split(".")[0] == section}
            now = self.screen()
            if action != "continue" or not later or now == screen or not now:
                return
            if now.split("-")[0] != section:
                return

    def _answer_screen(
        self,
        answers: Mapping[str, object] | None,
        choose: Callable[[str, list[str]], str],
        action: str,
    ) -> None:
        screen = self.screen()
        assert screen, self.heading()
        self.check_page(screen)
        self.answered = set()
        groups = self.page.locator("fieldset.question")
        for index, (name, values) in enumerate(self.questions()):
            given = (answers or {}).get(name, "unset")
            value = (
                choose(name, values)
                if given == "unset"
                else (PREFER_NOT if given is None else str(given))
            )
            if self.keyboard:
                self.choose_radio(name, value)
            else:
                groups.nth(index).locator(f'input[value="{value}"]').check()
            self.answered.add(name)
        labels = {"continue": "Continue", "back": "Back", "save": "Save and come back later"}
        self.press_button(action, labels[action])

    def note(self, action: str = "continue") -> None:
        section = self.note_section()
        self.check_page(f"note-{section}")
        labels = {"continue": "Continue to these questions", "skip": "Skip this section"}
        self.press_button(action, labels[action])

    def walk(
        self,
        answers: Mapping[str, object] | None = None,
        limit: int = 80,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        """Answer screen after screen until the review page (or `stop`)."""
        for _ in range(limit):
            if stop is not None and stop():
                return
            if self.page.url.endswith("/intake/review"):
                self.check_page("review")
                return
            if self.note_section():
                self.note()
            elif self.screen() == "contact":
                self.contact()
            elif (self.screen() or "").startswith("contact"):
                self.contact_screen(self.screen() or "", {})
            elif self.screen() == "about":
                self.about()
            elif self.screen():
                self.answer(answers)
            else:
                raise AssertionError(f"unexpected page {self.page.url}: {self.heading()}")
        raise AssertionError("the intake did not reach the review page")

    def send(self) -> None:
        self.press_button("", "Send my answers") if not self.keyboard else self._send_by_keyboard()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Thank you")
        self.check_page("sent")

    def _send_by_keyboard(self) -> None:
        self.tab_to(
            lambda: (
                self.focused(
                    "e && e.tagName === 'BUTTON' && e.textContent.includes('Send my answers')"
                )
                is True
            )
        )
        self.page.keyboard.press("Enter")


def radio(page: Page, name: str, value: str) -> Locator:
    return page.locator(f'input[type="radio"][name="{name}"][value="{value}"]')
