"""The repository stands alone: no file refers to documents outside it.

The clinical contract lives in docs/clinical-policy.md; nothing may cite the
contract the project was first built from, or any folder beside the repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE_REFERENCES = ("CLINICAL" + ".md", "DESIGN" + ".md", "../" + "shared")


def _tracked_and_new_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_file_refers_to_documents_outside_the_repository() -> None:
    offending = []
    for path in _tracked_and_new_files():
        if not path.is_file() or path.suffix in (".mo", ".png", ".ico"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if any(reference in line for reference in OUTSIDE_REFERENCES):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert offending == []


def test_the_clinical_policy_is_in_the_repository() -> None:
    policy = (ROOT / "docs" / "clinical-policy.md").read_text(encoding="utf-8")
    for heading in ("Derived facts", "Priority", "Queues", "Safety pathway"):
        assert heading in policy
