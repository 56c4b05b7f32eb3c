"""Reads that may come from a read-only replica: the staff overview and the CSV export.

DATABASE_REPLICA_URL names a read-only copy of the database (a PostgreSQL streaming
replica). A request that calls `use_replica()` runs the queries written with `reads()`
on it, in a session of its own; everything else in that request — the signed-in user,
the queues they may see, the audit event of the view — stays on the primary
(`db.session`), which the request commits as always. Without a replica URL, or in a
request that did not opt in, `reads()` is `db.session`.

Replicas lag: a referral routed a moment ago may be missing from the overview and the
export for as long as the replica is behind. Pages that act on a referral never read
the replica.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, scoped_session

from clinic.extensions import db

if TYPE_CHECKING:
    from flask_sqlalchemy.session import Session as FlaskSession

_ENGINE = "replica_engine"
"""Key in `app.extensions`: the replica's engine, when DATABASE_REPLICA_URL is set."""
_SESSION = "replica_session"
"""Key in `flask.g`: the request's replica session, once it opted in."""


def init_app(app: Flask) -> None:
    url = app.config.get("DATABASE_REPLICA_URL") or ""
    if url:
        app.extensions[_ENGINE] = create_engine(url, pool_pre_ping=True)
    app.teardown_appcontext(_close)


def replica_engine(app: Flask | None = None) -> Engine | None:
    """The replica's engine, or None when every read goes to the primary."""
    engine = (app or current_app).extensions.get(_ENGINE)
    return engine if isinstance(engine, Engine) else None


def use_replica() -> None:
    """This request's `reads()` go to the replica, when one is configured."""
    engine = replica_engine()
    if engine is not None and _SESSION not in g:
        setattr(g, _SESSION, Session(bind=engine, autoflush=False))


def reads() -> Session | scoped_session[FlaskSession]:
    """The session to read the overview's and the export's figures with."""
    session = g.get(_SESSION)
    return session if isinstance(session, Session) else db.session


def _close(_error: BaseException | None) -> None:
    session = g.pop(_SESSION, None)
    if isinstance(session, Session):
        session.close()
