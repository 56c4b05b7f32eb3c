"""Audit events append-only in the database; index on referral.created_at

Triggers refuse UPDATE and DELETE of `audit_event` rows (and TRUNCATE on
PostgreSQL), whatever the client: the ORM's refusal and the hash chain stay
as they were, this closes plain SQL. Nothing in the app changes or removes
audit rows (they hold no encrypted values, so `flask keys rotate` never
touches them), so there is no way around the triggers short of dropping or
disabling them, which takes the table's owner.

On SQLite a batch migration that rebuilds `audit_event` (copy, drop, rename)
drops its triggers: such a revision must create them again.

Revision ID: 649da06592b8
Revises: 7c4e2a9d51b3
Create Date: 2026-11-25 21:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "649da06592b8"
down_revision = "7c4e2a9d51b3"
branch_labels = None
depends_on = None

POSTGRESQL_UPGRADE = (
    """
    CREATE FUNCTION audit_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            ERRCODE = 'restrict_violation',
            MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
            HINT = 'Audit events are never changed or removed; record a new event instead.';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
    """,
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER audit_event_no_truncate ON audit_event",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "DROP FUNCTION audit_event_refuse_change()",
)

# SQLite has no TRUNCATE; a DELETE without WHERE fires the DELETE trigger.
SQLITE_UPGRADE = (
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN
        SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN
        SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused');
    END
    """,
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER audit_event_no_delete",
    "DROP TRIGGER audit_event_no_update",
)


def _statements(postgresql, sqlite):
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        return postgresql
    if dialect == "sqlite":
        return sqlite
    raise NotImplementedError(f"no append-only triggers for {dialect}")


def upgrade():
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index("ix_referral_created_at", ["created_at"], unique=False)

    for statement in _statements(POSTGRESQL_UPGRADE, SQLITE_UPGRADE):
        op.execute(sa.text(statement))


def downgrade():
    for statement in _statements(POSTGRESQL_DOWNGRADE, SQLITE_DOWNGRADE):
        op.execute(sa.text(statement))

    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_created_at")
