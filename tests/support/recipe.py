"""The README's production recipe as a list of commands a test can run in order.

The fenced `sh` block under "Running in production" is split into commands (a
trailing backslash continues a line). An `export` whose line ends in `# yours`
names one of the operator's own machines: the test gives it its own value. Every
other line runs as written, through bash, in the environment the lines before it
made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Running in production"
LONG_RUNNING = ("gunicorn ", "celery ")


@dataclass(frozen=True)
class Command:
    line: str
    export: str | None  # the variable an `export NAME=...` line sets
    yours: bool  # the operator's own value: the test substitutes its own

    @property
    def long_running(self) -> bool:
        return self.line.startswith(LONG_RUNNING)


def recipe_block(readme: str | None = None) -> str:
    text = README.read_text(encoding="utf-8") if readme is None else readme
    section = text[text.index(SECTION) :]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "no sh block under 'Running in production'"
    return match.group(1)


def commands(block: str) -> list[Command]:
    joined = re.sub(r"\\\n\s*", " ", block)
    result = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        yours = bool(re.search(r"#\s*yours\b", line))
        export = re.match(r"export ([A-Z_][A-Z0-9_]*)=", line)
        if yours:
            line = re.sub(r"\s+#.*$", "", line)
        result.append(Command(line, export.group(1) if export else None, yours))
    return result
