"""The decision flags of a routed intake, in plain sight so staff can filter by them.

The decision itself is encrypted; this table repeats only its flag ids (for
example `partner_safety`), never answers or evidence, so the dashboard can ask
"which intakes carry this flag" in SQL. Routing writes the rows in the same
transaction as the decision.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import Model


class SubmissionFlag(Model):
    __tablename__ = "submission_flag"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id", ondelete="CASCADE"), primary_key=True
    )
    flag: Mapped[str] = mapped_column(
        String(32), primary_key=True, index=True, comment="a decision flag id, e.g. partner_safety"
    )
