"""The embedded default's filesystem broker: a consumer never takes a half-written message."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport import filesystem as kombu_filesystem

from clinic import create_app
from clinic.broker import filesystem
from clinic.broker.celery_app import filesystem_broker_options

QUEUE = "routing"
BIG = {"ids": ["x" * 64] * 4096}  # ~280 kB: a write takes long enough to be caught midway


def _connection(tmp_path: Path, transport: object) -> Connection:
    options = filesystem_broker_options(str(tmp_path))
    return Connection("filesystem://", transport=transport, transport_options=options)


@pytest.fixture
def channel(tmp_path: Path) -> Iterator[kombu_filesystem.Channel]:
    with _connection(tmp_path, filesystem.TRANSPORT) as connection:
        yield connection.default_channel


def test_the_clinics_celery_config_uses_the_atomic_transport(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "CELERY_BROKER_URL": "filesystem://"})
    celery = app.extensions["celery"]
    with celery.connection_for_write() as connection:
        assert isinstance(connection.transport, filesystem.Transport)


def test_a_message_is_written_whole_under_its_final_name(
    channel: kombu_filesystem.Channel,
) -> None:
    channel._put(QUEUE, BIG)
    names = os.listdir(channel.data_folder_out)
    assert len(names) == 1 and names[0].endswith(f".{QUEUE}.msg")
    assert json.loads(Path(channel.data_folder_out, names[0]).read_bytes()) == BIG
    assert channel._get(QUEUE) == BIG


def test_a_message_still_being_written_is_not_taken(
    channel: kombu_filesystem.Channel,
) -> None:
    partial = Path(channel.data_folder_out, f"1_writing.{QUEUE}.msg.partial")
    partial.write_bytes(b'{"ids": ["hal')
    with pytest.raises(kombu_filesystem.Empty):
        channel._get(QUEUE)
    assert partial.exists()


def _race(channel: kombu_filesystem.Channel, messages: int) -> list[Exception]:
    """Consume while another thread produces; the consumer's errors."""
    errors: list[Exception] = []
    produced = threading.Event()

    def produce() -> None:
        for _ in range(messages):
            channel._put(QUEUE, BIG)
        produced.set()

    producer = threading.Thread(target=produce)
    producer.start()
    received = 0
    while received < messages and not (errors and produced.is_set()):
        try:
            assert channel._get(QUEUE) == BIG
            received += 1
        except kombu_filesystem.Empty:
            continue
        except ValueError as exc:  # JSONDecodeError: a half-written file was taken
            errors.append(exc)
            received += 1
    producer.join()
    return errors


def test_a_consumer_racing_a_producer_takes_only_whole_messages(
    channel: kombu_filesystem.Channel,
) -> None:
    assert _race(channel, 300) == []
