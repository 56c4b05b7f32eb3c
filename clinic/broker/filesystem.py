"""The embedded default's filesystem broker, with each message written whole before it is seen.

Kombu's filesystem transport creates a message's file under its final name and
then writes it, so a consumer listing the folder in between takes an empty or
half-written file, and its JSON error stops the worker. Here a message is
written under a name no queue reads (`.partial` after `.msg`) and renamed into
place, which is atomic on one filesystem: a consumer sees the whole message or
none of it.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

TRANSPORT = "clinic.broker.filesystem:Transport"


class Channel(filesystem.Channel):
    # Kombu's two base classes name the message differently; this follows the filesystem one.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.partial"
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
