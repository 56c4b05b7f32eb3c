"""Checks a response of the JSON API against the OpenAPI description the app serves.

`ConformingClient` is a Flask test client that checks every `/api/v1` answer it gets:
its status is one the operation describes, its content type the described one, and
its JSON body valid against the described schema (jsonschema, draft 2020-12, the
dialect of OpenAPI 3.1). A test module opts in by overriding its `client` fixture.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from clinic.api.openapi import PREFIX, document
from tests.support.client import IsolatedRequestClient


@cache
def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


def operation_of(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The described operation serving `method` `path` (a concrete path), if any."""
    for template, methods in spec["paths"].items():
        if _template(template).match(path) and method.lower() in methods:
            described: dict[str, Any] = methods[method.lower()]
            return described
    return None


def problems(spec: dict[str, Any], method: str, path: str, response: TestResponse) -> list[str]:
    """What in `response` the description of `method` `path` does not allow."""
    described = operation_of(spec, method, path)
    if described is None:
        return [f"{method} {path} is not described"] if response.status_code != 404 else []
    answer = described["responses"].get(str(response.status_code))
    if answer is None:
        return [f"{method} {path}: status {response.status_code} is not described"]
    content = answer.get("content", {})
    if response.mimetype not in content:
        return [f"{method} {path}: {response.mimetype} is not described for it"]
    if response.mimetype != "application/json":
        return []
    schema = {**content[response.mimetype]["schema"], "components": spec["components"]}
    validator = Draft202012Validator(schema)
    return [
        f"{method} {path} {response.status_code}: {error.message}"
        for error in validator.iter_errors(response.get_json())
    ]


class ConformingClient(IsolatedRequestClient):
    """A test client that fails on any /api/v1 answer the description does not allow."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(PREFIX + "/"):
            app: Flask = self.application
            with app.test_request_context():
                spec = document()
            found = problems(spec, request.method, request.path, response)
            assert not found, found
        return response


def conforming_client(app: Flask) -> FlaskClient:
    app.test_client_class = ConformingClient
    return app.test_client()
