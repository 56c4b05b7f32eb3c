"""Where a sign-in may send the browser next: only a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` if it is a plain local path, else None (the user's home page then).

    Refuses `//host`, `/\\host`, `https:host` and anything with whitespace or
    control characters, which browsers strip and could turn into `//host`.
    """
    default = None
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch == "\\" or ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
