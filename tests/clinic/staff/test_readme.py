"""The README's "Staff console" section lists every staff setting with its default."""

from __future__ import annotations

from pathlib import Path

from clinic.staff.settings import STAFF_SETTINGS

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()


def test_every_staff_setting_is_in_the_readme() -> None:
    for setting in STAFF_SETTINGS:
        assert f"| `{setting.name}` | `{setting.default}` | {setting.help} |" in README
