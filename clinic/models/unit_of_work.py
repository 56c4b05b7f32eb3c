"""Where transactions end: the unit of work of a request, a task, a command.

Services and helpers add, change and flush; they never commit or roll back.
A transaction ends only at one of these boundaries:

- a web request (`init_app`): committed once after the view when the response
  is below 400, rolled back on a 4xx or 5xx response and on an exception. A
  request that refuses (4xx) but must keep what it wrote — the audit event of
  the refusal — says so with `keep_despite_refusal()`;
- a Celery task (`workers.celery_app`): committed after the task returns,
  rolled back when it raises (a retry too); a task that failed because the
  database went away (`is_connection_loss`) is tried again;
- a CLI command that changes data (`reported_after_commit`): committed when it
  returns, before its report is printed; rolled back when it raises;
- a `unit_of_work()` block, for the few that commit in deliberate steps:
  sending a message (claim, send, mark), each repeat page and each digest of
  a sweep, the batches of a long command, each outbox row a relay publishes.

Whichever boundary commits, the outbox rows of that transaction are published
after it by the session hook in `clinic.broker.outbox`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec

import click
from flask import Flask, g
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from clinic.extensions import db

P = ParamSpec("P")

_KEEP = "keep_despite_refusal"
"""Key in `g`: this 4xx response keeps what the request wrote."""


def is_connection_loss(exc: BaseException) -> bool:
    """The database went away or was briefly unable (not a bug): trying again may work.

    A connection that died mid-transaction (`connection_invalidated`), an
    OperationalError (server gone, lock or deadlock, database locked), or the
    PendingRollbackError of a session used again before its rollback.
    """
    if isinstance(exc, OperationalError | PendingRollbackError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back when it raises.

    The block commits everything the session holds, so it is a boundary: use it
    where a task or command deliberately commits in steps, never in a service.
    """
    active = db.session() if session is None else session
    try:
        yield
    except BaseException:
        active.rollback()
        raise
    active.commit()


def init_app(app: Flask) -> None:
    """The request's unit of work, for every blueprint.

    Registered first, so it runs after every other `after_request` function.
    """
    app.after_request(_end_request)
    app.teardown_request(_roll_back_after_exception)


def keep_despite_refusal() -> None:
    """This request answers 4xx, but what it wrote (the refusal's audit event) is kept."""
    g.setdefault(_KEEP, True)


def _end_request(response: Response) -> Response:
    keep = g.pop(_KEEP, False)
    if response.status_code < 400 or (keep and response.status_code < 500):
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _roll_back_after_exception(exc: BaseException | None) -> None:
    """An exception no handler turned into a response: nothing of it is kept."""
    g.pop(_KEEP, None)
    if exc is not None:
        db.session.rollback()


def reported_after_commit(command: Callable[P, str | None]) -> Callable[P, None]:
    """A CLI command's unit of work: its changes are committed, then its report printed.

    The command returns what to tell the operator (or None), so nothing is
    reported done before it is.
    """

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        with unit_of_work():
            report = command(*args, **kwargs)
        if report is not None:
            click.echo(report)

    return run
