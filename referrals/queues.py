"""The queue catalogue: the treatments a referral can be routed to."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class Queue:
    """A treatment queue as staff see it."""

    id: str
    name: str
    description: str


QUEUES: Final = MappingProxyType(
    {
        queue.id: queue
        for queue in (
            Queue(
                "family",
                "Family therapy",
                "A child's concerns worked on with the caregivers together; "
                "also adults worried about their parenting.",
            ),
            Queue(
                "play",
                "Play therapy",
                "For young children, who cannot yet put what happened into words.",
            ),
            Queue(
                "dbt",
                "DBT",
                "Dialectical behaviour therapy for intense emotions, self-harm "
                "or suicidal thinking.",
            ),
            Queue(
                "emdr",
                "EMDR",
                "Eye movement desensitization and reprocessing, trauma-focused therapy "
                "for adults and teenagers with trauma-memory (PTSD or complex PTSD) symptoms.",
            ),
            Queue(
                "couples",
                "Couples therapy",
                "Trust, closeness and conflict with a partner who is willing to "
                "attend; never where there is partner violence or fear.",
            ),
            Queue(
                "intake",
                "General intake review",
                "A clinician reviews the intake and chooses individual therapy or another service.",
            ),
        )
    }
)
"""Queues by id, in catalogue order."""
