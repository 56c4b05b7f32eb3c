"""Writing audit events, in the same transaction as the change they record."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from clinic.extensions import db
from clinic.models import AuditEvent, StaffUser


def record(
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    actor: StaffUser | None = None,
    actor_kind: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session. `detail` holds ids and codes, never answers."""
    ip = None
    if has_request_context():
        ip = request.remote_addr
        if actor is None and actor_kind is None and current_user.is_authenticated:
            actor = current_user._get_current_object()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind or ("staff" if actor is not None else "system"),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=ip,
        detail=detail or {},
    )
    db.session.add(event)
    return event
