"""FHIR bulk exports: one row per `$export` request, its files written by a worker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.extensions import Model
from clinic.models.columns import UTCDateTime, created_at, uuid_pk


class FhirExport(Model):
    __tablename__ = "fhir_export"

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default="accepted", comment="accepted, completed, failed"
    )
    resource_types: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, comment="the resource types asked for (_type)"
    )
    queues: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, comment="the queues the owner could see when they asked"
    )
    since: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, comment="_since: only what changed after"
    )
    request_url: Mapped[str] = mapped_column(String(2000), nullable=False)
    output: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON, nullable=True, comment="each file written: resource type and count"
    )
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = created_at()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    owner = relationship("StaffUser")
