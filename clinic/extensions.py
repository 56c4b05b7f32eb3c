"""Flask extensions, created once here and bound to an app by the app factories: the
database in `clinic.app.create_base_app`, the others in `clinic.create_app` (web only).
Flask-Migrate (Alembic, a tenth of a worker's imports) is made by `clinic.create_app`
alone: the `flask db` commands are the web app's."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, MetaData, Result
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()

# The models' base class is `db.Model`, which Flask-SQLAlchemy makes from `Base` at run
# time; a type checker cannot take an instance's attribute as a base class, so it is
# told the class is `Base`.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

P = ParamSpec("P")
R = TypeVar("R")


def csrf_exempt(view: Callable[P, R]) -> Callable[P, R]:
    """A view that takes no CSRF token (Flask-WTF's `csrf.exempt`, typed)."""
    csrf.exempt(view)
    return view


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE that the session ran matched."""
    if not isinstance(result, CursorResult):
        raise TypeError("only an UPDATE or DELETE result counts its rows")
    return result.rowcount
