"""Compiled templates shared by every app a test process makes.

Each app has a Jinja environment of its own, which compiles a template the first time
it renders it: tens of milliseconds for a page, again in every test with a new app.
The apps' environments are alike (the same templates folder and options), so they
share the compiled code here; Jinja still checks it against each template's source.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _CompiledTemplates(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def share_compiled_templates(app: Flask) -> Flask:
    app.jinja_env.bytecode_cache = _COMPILED
    return app
