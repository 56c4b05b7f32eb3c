"""Every answer under /api/ is JSON and never cached: errors included.

The error shape is `{"error": "<what went wrong>"}`, with `"errors": [{"field",
"message"}, …]` when fields are named (README, JSON API). A path the API does not
have (404), a method it does not take (405, with `Allow`) and a server error
(500) answer in it too, never an HTML page. Request bodies are read here:
JSON that does not parse, nests deeper than clinic.text.MAX_JSON_DEPTH or holds
text the clinic does not accept is refused before any view sees it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from clinic.text import TOO_DEEP, json_problems

PREFIX = "/api/"


class ApiError(Exception):
    """A refusal in the API's error shape."""

    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def json_error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def json_body() -> Any:
    """The request's JSON body: 400 when it is not JSON or nests too deep, 422 naming each
    string (or key) that is not acceptable text (clinic.text)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "the body must be JSON")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "the body is nested too deeply") from None
    except ValueError:
        raise ApiError(400, "the body is not valid JSON") from None
    errors = [{"field": path, "message": problem} for path, problem in json_problems(body)]
    if any(error["message"] == TOO_DEEP for error in errors):
        raise ApiError(400, "the body is nested too deeply")
    if errors:
        raise ApiError(422, "the intake is not valid", sorted(errors, key=lambda e: e["field"]))
    return body


def _is_api() -> bool:
    return request.path.startswith(PREFIX)


def _http_error(error: HTTPException) -> HTTPException | Response:
    if not _is_api():
        return error
    code = error.code or 500
    response = json_error(code, (error.name or "error").lower())
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _server_error(error: InternalServerError) -> InternalServerError | Response:
    return json_error(500, "internal server error") if _is_api() else error


def _api_error(error: ApiError) -> Response:
    extra = {"errors": error.errors} if error.errors is not None else {}
    return json_error(error.status, error.message, **extra)


def _no_store(response: Response) -> Response:
    """API answers hold scores and referrals: never kept by a browser or a proxy."""
    if _is_api():
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_no_store)
