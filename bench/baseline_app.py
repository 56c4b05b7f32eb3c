"""The bare-stack baseline of `make bench-system`: Flask + Flask-SQLAlchemy, one INSERT.

`POST /api/v1/intakes` stores the request's JSON as it came (one INSERT, one
commit) and answers 201 with the new id; nothing else (no auth, validation,
encryption, audit, outbox). The project's figures are read as ratios against it,
served the same way (gunicorn, the same settings file and worker count, the same
PostgreSQL database), so the machine's own speed cancels out.

    DATABASE_URL=postgresql+psycopg://... \\
    gunicorn --config deploy/gunicorn.conf.py 'bench.baseline_app:create_app()'
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class _Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=_Base)


class BaselineIntake(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bench_baseline_intake"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    body: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=lambda: datetime.now(UTC)
    )


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)

    @app.post("/api/v1/intakes")
    def submit() -> tuple[dict[str, str], int]:
        row = BaselineIntake(body=request.get_json())
        db.session.add(row)
        db.session.commit()
        return {"id": str(row.id)}, 201

    return app


def create_table(database_url: str) -> None:
    """The baseline's one table, in the benchmark's database."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(app)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
