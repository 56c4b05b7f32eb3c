"""forms/ stays pure: it imports only wtforms, yaml, pydantic, the stdlib and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import forms

ALLOWED = {"forms", "wtforms", "yaml", "pydantic", "pydantic_core"} | set(sys.stdlib_module_names)


def test_forms_imports_only_wtforms_yaml_pydantic_and_the_stdlib() -> None:
    package = Path(forms.__file__).parent
    imported: dict[str, str] = {}
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                imported[name.split(".")[0]] = source.name
    assert {name: where for name, where in imported.items() if name not in ALLOWED} == {}
