"""The README tells the truth about settings and commands."""

from __future__ import annotations

from pathlib import Path

from config.settings import SETTINGS
from workers.queues import Queues

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "—"
        assert f"| `{setting.name}` | {default} | {setting.help} |" in README


def test_the_production_worker_command_consumes_every_queue() -> None:
    assert f"--queues {','.join(Queues.all())}" in README
