"""The README's "Staff console" section lists every staff setting with its default."""

from __future__ import annotations

from pathlib import Path

from config.settings import Table, readme_table, settings_table, table_marker

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()


def test_the_staff_settings_table_is_the_one_rendered_from_the_settings() -> None:
    assert readme_table(README, Table.STAFF) == table_marker(Table.STAFF) + settings_table(
        Table.STAFF
    )
