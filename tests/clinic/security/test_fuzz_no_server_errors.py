"""Property-based fuzzing: no request, however crafted, gets a server error (5xx).

Hypothesis draws requests against the real app on PostgreSQL through the Flask test
client: every route of the JSON API (arbitrary JSON bodies, headers and query strings,
and intake-shaped bodies with fuzzed values) and every route of the staff console and
the client intake (arbitrary form fields and query parameters, with and without a
valid CSRF token), signed in as each role. A 5xx, or an exception a view lets out,
fails the test with the request that caused it.

The routes are read from the URL map, so a new route is fuzzed the day it is added.
Values are shaped for the parameter they go to (dates, cursors, ids), half of the page
requests carry one boundary value that once broke a page, and a fifth one control
character, so the examples reach past the first check. The `ci` profile keeps the
examples the same every run (about 2,900 in all).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import MapAdapter, Rule

import forms
from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import NotificationMessage, StaffAlert
from clinic.notifications import queue_staff_alerts
from referrals import QUEUES
from tests import factories
from tests.clinic.intake.walker import IntakeWalker
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = [pytest.mark.usefixtures("app_context"), pytest.mark.postgres, pytest.mark.slow]


def _examples(count: int) -> settings:
    """The loaded profile (`ci`) with `count` examples; the world is built once per test."""
    return settings(
        max_examples=count,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        deadline=None,
    )


ENDS_THE_SESSION = {"staff.logout", "intake.quick_exit", "intake.close_draft"}
"""Fuzzed like every route, but last: a session that ended would make the rest anonymous."""

SPECIAL = [
    "",
    " ",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "true",
    "../../etc/passwd",
    "//evil.example",
    '=HYPERLINK("x")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "\u202e",
    "\ufeff",
    "a" * 3000,
    "any",
    "none",
    "open",
    "urgent",
    "emdr",
    "adult_self",
    "MjAyNnwx",  # base64 of a cursor that is not one
]
"""Values that broke something once, or are near a boundary."""

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=30)
"""Form and query text a person could type (a surrogate cannot be UTF-8)."""
HOSTILE = st.one_of(
    st.sampled_from(["/intake\nSet-Cookie: x=1", "\x00", "\t", "\r\n", "a\x7fb", "\x85"]),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
)
"""Text with control characters: one such field in a fifth of the requests."""
VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.uuids().map(str),
    st.dates().map(str),
)

QUERY_NAMES = [
    "status",
    "priority",
    "assignee",
    "flag",
    "from",
    "to",
    "after",
    "before",
    "queue",
    "action",
    "actor",
    "target",
    "next",
    "change",
    "page",
]
FORM_NAMES = [
    "email",
    "password",
    "code",
    "current",
    "new",
    "confirm",
    "action",
    "version",
    "assignee",
    "reason",
    "target_queue",
    "channel",
    "outcome",
    "note",
    "text",
    "role",
    "is_admin",
    "queues",
    "display_name",
    "enabled",
    "path",
    "subject_age",
    "consent",
    "screen",
    "section",
    "language",
    "next",
    "sex",
    "phone",
    "phone_allowed",
    "text_allowed",
    "email_allowed",
    "no_contact",
    "safe_times",
    "name",
    "caregiver_contact_ok",
    "resume_email_ok",
    "phq9.1",
    "phq9.9",
    "safety.now",
    "asq.5",
]


def _cursor(rank: int, at: datetime, ident: uuid.UUID) -> str:
    raw = f"{rank}|{at.isoformat()}|{ident}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


DATES = st.one_of(
    st.sampled_from(["9999-12-31", "0001-01-01"]),
    st.sampled_from(["1899-12-31", "9001-01-01", "2026-13-01", "2026-02-30", "20260101"]),
    st.dates().map(str),
    TEXT,
)
"""Dates near the ends of the calendar often: the last day overflows once a day is added."""
CURSORS = st.one_of(
    st.builds(
        _cursor,
        st.integers(min_value=-(2**70), max_value=2**70) | st.integers(0, 2),
        st.datetimes(timezones=st.none() | st.timezones()),
        st.uuids(),
    ),
    TEXT,
)
BIG_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str), st.just("9" * 40), TEXT
)
ONE_OF_OURS = st.sampled_from(
    [*QUEUES, "open", "closed", "urgent", "priority", "routine", "any", "none", "", "nope"]
)
BY_NAME: dict[str, st.SearchStrategy[str]] = {
    "from": DATES,
    "to": DATES,
    "after": CURSORS,
    "before": BIG_NUMBERS,
    "version": BIG_NUMBERS,
    "subject_age": BIG_NUMBERS,
    "queue": st.one_of(ONE_OF_OURS, TEXT),
    "status": st.one_of(ONE_OF_OURS, TEXT),
    "priority": st.one_of(ONE_OF_OURS, TEXT),
    "flag": st.one_of(ONE_OF_OURS, st.sampled_from(["safeguarding", "cptsd"]), TEXT),
    "assignee": st.one_of(st.uuids().map(str), ONE_OF_OURS, TEXT),
    "actor": st.one_of(st.uuids().map(str), TEXT),
    "target_queue": st.one_of(ONE_OF_OURS, TEXT),
    "next": st.one_of(
        st.sampled_from(["/intake", "/staff", "//evil.example", "/intake/../staff", "/\\x"]),
        TEXT,
    ),
}
"""Values shaped for the parameter they go to, so the fuzzing reaches past the parsing."""


NAIVE_CURSOR = _cursor(0, datetime(2026, 1, 1), uuid.UUID(int=1))
BOUNDARIES = [
    ("to", "9999-12-31"),
    ("from", "9999-12-31"),
    ("to", "0001-01-01"),
    ("from", "0001-01-01"),
    ("after", NAIVE_CURSOR),
    ("after", _cursor(10**20, datetime(2026, 1, 1, tzinfo=UTC), uuid.UUID(int=1))),
    ("before", "9" * 40),
    ("before", str(2**63)),
    ("queue", ""),
    ("status", ""),
    ("assignee", "none"),
    ("flag", "any"),
    ("version", "9" * 40),
    ("subject_age", "9" * 40),
]
"""One parameter at a value that once broke a page: half of the requests carry one."""


def _fields(names: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Each known name present or not (with a value shaped for it), and a few unknown ones."""
    known = st.fixed_dictionaries(
        {}, optional={name: BY_NAME.get(name, VALUES) for name in names}
    ).map(lambda fields: list(fields.items()))
    unknown = st.lists(st.tuples(TEXT.filter(bool), VALUES), max_size=2)
    return st.builds(lambda a, b: a + b, known, unknown)


# --- the world the requests meet -------------------------------------------------------


@dataclass
class World:
    app: Flask
    ids: dict[str, uuid.UUID]
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def adapter(self) -> MapAdapter:
        return self.app.url_map.bind("localhost")


def _staff_world(app: Flask) -> World:
    people = {
        "anonymous": None,
        "coordinator": support.staff("intake_coordinator"),
        "clinician": support.staff("clinician", queues=("emdr",)),
        "admin": support.staff("admin", is_admin=True),
    }
    referral = support.referral("emdr", status="in_review")
    queue_staff_alerts([referral])
    db.session.flush()
    alert = db.session.scalars(select(StaffAlert)).one()
    message = db.session.scalars(select(NotificationMessage)).first()
    assert message is not None
    _draft, page = factories.paged_draft()
    target = support.staff("clinician", queues=("emdr",), name="Target")
    support.referral("family", priority="urgent")
    db.session.commit()
    world = World(
        app,
        {
            "referral_id": referral.id,
            "user_id": target.id,
            "alert_id": alert.id,
            "message_id": message.id,
            "page_id": page.id,
        },
    )
    for role, person in people.items():
        client = app.test_client()
        if person is not None:
            support.sign_in(client, person)
        world.clients[role] = client
        world.tokens[role] = csrf_token(client, "/staff/account" if person else "/staff/login")
    return world


def _rules(app: Flask, prefix: str) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(prefix)),
        key=lambda r: (r.endpoint in ENDS_THE_SESSION, r.rule),
    )


def _path_value(name: str, world: World) -> st.SearchStrategy[Any]:
    if name.endswith("_id"):
        known = [world.ids[name]] if name in world.ids else []
        return st.sampled_from([*known, uuid.UUID(int=0)]) if known else st.uuids()
    if name == "queue":
        return st.sampled_from([*QUEUES, "nope"])
    if name == "number":
        return st.integers(min_value=0, max_value=60)
    return TEXT.filter(lambda t: t and "/" not in t)


@dataclass(frozen=True)
class Request:
    who: str
    method: str
    url: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    with_csrf: bool

    def send(self, world: World) -> Any:
        client = world.clients[self.who]
        data = list(self.form)
        if self.with_csrf and self.method != "GET":
            data.append(("csrf_token", world.tokens[self.who]))
        return client.open(
            self.url,
            method=self.method,
            query_string=MultiDict(self.query),
            data=MultiDict(data) if self.method != "GET" else None,
        )


@st.composite
def _page_requests(draw: Callable[..., Any], world: World, rule: Rule) -> Request:
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    values = {name: draw(_path_value(name, world)) for name in sorted(rule.arguments)}
    query, form = draw(_fields(QUERY_NAMES)), draw(_fields(FORM_NAMES))
    if draw(st.booleans()):
        boundary = draw(st.sampled_from(BOUNDARIES))
        query = [(name, value) for name, value in query if name != boundary[0]] + [boundary]
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        hostile = (draw(st.sampled_from([*QUERY_NAMES, *FORM_NAMES])), draw(HOSTILE))
        (query if draw(st.booleans()) else form).append(hostile)
    return Request(
        who=draw(st.sampled_from(sorted(world.clients))),
        method=draw(st.sampled_from(methods)),
        url=world.adapter().build(rule.endpoint, values),
        query=query,
        form=form,
        with_csrf=draw(st.booleans()),
    )


def _no_server_error(request: Request, world: World) -> None:
    response = request.send(world)
    assert response.status_code < 500, (request, response.get_data(as_text=True)[:500])


def _fuzz_each_route(world: World, rules: list[Rule], examples: int) -> None:
    """`examples` requests to each route, one route after the other."""
    for rule in rules:

        @_examples(examples)
        @given(request=_page_requests(world, rule))
        def fuzz(request: Request) -> None:
            _no_server_error(request, world)

        fuzz()


def test_no_staff_route_answers_a_server_error(app: Flask) -> None:
    _fuzz_each_route(_staff_world(app), _rules(app, "/staff"), examples=40)


def _intake_world(app: Flask) -> World:
    world = World(app, {})
    for who, age in (("adult", 34), ("teen", 15)):
        client = app.test_client()
        walker = IntakeWalker(client)
        walker.start("adult_self" if who == "adult" else "teen_self", age)
        walker.walk(stop=lambda w: w.screen() == "contact")
        world.clients[who] = client
        world.tokens[who] = csrf_token(client, "/intake")
    world.clients["nobody"] = app.test_client()
    world.tokens["nobody"] = csrf_token(world.clients["nobody"], "/intake")
    return world


def test_no_intake_route_answers_a_server_error(app: Flask) -> None:
    _fuzz_each_route(_intake_world(app), _rules(app, "/intake"), examples=40)


# --- the JSON API ------------------------------------------------------------------------

SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "\udbff\udc00"])
"""JSON can carry these (as `\\ud800`); UTF-8 cannot."""
JSON_TEXT = st.one_of(TEXT, st.sampled_from(SPECIAL), SURROGATES)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    JSON_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(JSON_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
AGES = {"adult_self": 30, "teen_self": 15, "caregiver_child": 8}
ITEM_IDS = sorted(
    {
        question.id
        for path, age in AGES.items()
        for step in forms.flow_for(path, age).steps
        for question in step.questions
    }
)
CHANNEL = st.dictionaries(
    st.sampled_from(["allowed", "mention_clinic", "leave_message", "x"]),
    st.one_of(st.booleans(), JSON_SCALARS),
    max_size=3,
)
CONTACT = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "language": st.one_of(st.sampled_from(["en", "es"]), JSON_SCALARS),
            "name": JSON_TEXT,
            "email": st.one_of(st.emails(), JSON_TEXT),
            "phone": st.one_of(st.from_regex(r"\+?[0-9 ]{7,12}", fullmatch=True), JSON_TEXT),
            "channels": st.dictionaries(
                st.sampled_from(["email", "phone", "text", "fax"]), CHANNEL, max_size=3
            ),
            "safe_times": st.lists(
                st.one_of(st.sampled_from(["weekday_morning", "weekend"]), JSON_TEXT), max_size=3
            ),
            "caregiver_contact_ok": st.one_of(st.none(), st.booleans(), JSON_SCALARS),
            "resume_email_ok": st.one_of(st.booleans(), JSON_SCALARS),
        },
    ),
)
INTAKE_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "path": st.one_of(st.sampled_from(forms.PATHS), JSON_SCALARS),
        "subject_age": st.one_of(
            st.integers(min_value=-5, max_value=130),
            st.integers(min_value=-(2**80), max_value=2**80),
            JSON_SCALARS,
        ),
        "answers": st.one_of(
            st.dictionaries(
                st.one_of(st.sampled_from(ITEM_IDS), JSON_TEXT),
                st.one_of(st.none(), st.integers(min_value=-2, max_value=10), JSON_SCALARS),
                max_size=8,
            ),
            JSON_VALUES,
        ),
        "contact": CONTACT,
    },
)


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes | None

    def send(self, client: FlaskClient) -> Any:
        return client.open(
            self.path,
            method=self.method,
            query_string=MultiDict(self.query),
            headers=dict(self.headers),
            data=self.body,
        )


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


def _nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


@st.composite
def _api_requests(
    draw: Callable[..., Any], token: str, submission_ids: Iterable[str]
) -> ApiRequest:
    path = draw(
        st.one_of(
            st.just("/api/v1/intakes"),
            st.sampled_from([f"/api/v1/intakes/{i}" for i in submission_ids]),
            TEXT.map(lambda t: "/api/v1/intakes/" + re.sub(r"[/?#%]", "", t)),
            st.sampled_from(["/api/v1", "/api/v1/", "/api/v2/intakes", "/api/v1/intakes/"]),
        )
    )
    body = draw(
        st.one_of(
            INTAKE_BODIES.map(_json_bytes),
            JSON_VALUES.map(_json_bytes),
            st.integers(min_value=30, max_value=5000).map(_nested),
            st.binary(max_size=40),
            st.just(b""),
        )
    )
    auth = draw(
        st.sampled_from([f"Bearer {token}", "", "Bearer nope", f"bearer  {token}", "Basic x"])
    )
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain", ""]))}
    if auth:
        headers["Authorization"] = auth
    return ApiRequest(
        method=draw(st.sampled_from(["POST", "GET", "PUT", "DELETE", "PATCH"])),
        path=path,
        query=draw(_fields(QUERY_NAMES)),
        headers=headers,
        body=body,
    )


def test_no_api_request_answers_a_server_error(app: Flask) -> None:
    user = factories.staff_user(email="api-fuzz@example.org")
    token = create_token(user, "fuzz")
    routed = factories.routed_intake()
    db.session.commit()
    client = app.test_client()

    @_examples(1000)
    @given(request=_api_requests(token, [str(routed.id)]))
    def fuzz(request: ApiRequest) -> None:
        response = request.send(client)
        assert response.status_code < 500, (request, response.get_data(as_text=True)[:500])
        assert response.mimetype == "application/json", request
        assert response.headers["Cache-Control"] == "no-store"

    fuzz()
