"""The README tells the truth about settings and commands."""

from __future__ import annotations

from pathlib import Path

from clinic.broker.names import Queues
from config.settings import Table, readme_table, settings_table, table_marker

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_settings_table_is_the_one_rendered_from_the_settings() -> None:
    assert readme_table(README, Table.SETTINGS) == table_marker(Table.SETTINGS) + settings_table(
        Table.SETTINGS
    )


def test_the_production_worker_command_consumes_every_queue() -> None:
    assert f"--queues {','.join(Queues.all())}" in README
