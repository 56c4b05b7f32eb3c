"""Security headers on every response (client intake, staff console, API, health).

A strict Content-Security-Policy: scripts, styles, images and fonts only from this
site, no inline script or style anywhere, no framing, forms post only here. Pages
are never embedded, never sniffed, and send no Referer (a resume link or a page
name never leaves in one). Client pages add `Cache-Control: no-store` themselves.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


_LOWERED = tuple((name.lower(), name, value) for name, value in HEADERS.items())


def _add_headers(response: Response) -> Response:
    """Each of HEADERS the view did not set itself (one pass over the response's headers)."""
    present = {name.lower() for name, _value in response.headers}
    response.headers.extend(
        (name, value) for lower, name, value in _LOWERED if lower not in present
    )
    return response


def _add_hsts(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    if app.config.get("APP_ENV") == "production":
        app.after_request(_add_hsts)
