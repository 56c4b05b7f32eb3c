"""`/api/v1/queues/waits`: each queue's expected wait to being scheduled (docs/clinical-policy.md
"Waiting safely"), for the queues the token's owner works: the figures the dashboard shows,
kept five minutes by each web process (`clinic.routing.waits.cached_waits`)."""

from __future__ import annotations

from flask import Response, g, jsonify

from clinic.api import bp
from clinic.api.openapi import operation
from clinic.api.schemas import QueueWaits, WaitView
from clinic.api.tokens import TokenOwner
from clinic.api.views import token_required
from clinic.routing.waits import KEPT_FOR, WINDOW, cached_waits
from clinic.security import audit


@bp.get("/queues/waits")
@operation(
    "Each queue's expected wait to being scheduled, for the queues the token's owner works",
    description=(
        f"Worked out from the scheduling steps of the last {WINDOW.days} days. Each web "
        f"process keeps the figures it worked out for {int(KEPT_FOR // 60)} minutes, so an "
        "answer may be that old."
    ),
    responses={200: QueueWaits},
)
@token_required("referrals:read")
def queue_waits() -> Response:
    owner: TokenOwner = g.api_owner
    visible = owner.visible_queues
    waits = cached_waits().by_queue
    audit.record("api.queue_waits_viewed", actor=owner.actor)
    body = QueueWaits(
        window_days=WINDOW.days,
        waits=[
            WaitView.model_validate(estimate.as_dict())
            for (queue, _), estimate in sorted(waits.items())
            if queue in visible
        ],
    )
    return jsonify(body.model_dump(mode="json"))
