"""client, rescreen_invitation, rescreen; intake_submission.client_id;
on_call_alert.rescreen_id

- `client`: the pseudonymous client record (an id; no personal data) linking a person's
  intake, re-screens and referrals; `merged_into_id` after staff merged two records.
  Each submitted intake gets one.
- `rescreen_invitation`: a re-screen invitation with its one-time link (only the token's
  SHA-256 is kept), its expiry and when it was used.
- `rescreen`: the answers of one re-screen (encrypted), its scores and assessment.
- `on_call_alert.rescreen_id`: a re-screen that found risk acute pages on-call again; the
  one-alert-per-intake rule becomes a partial unique index (for the intake's own alert).

Revision ID: e9c4a7b2d1f6
Revises: d4e8b2a61f93
Create Date: 2026-12-01 00:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e9c4a7b2d1f6"
down_revision = "d4e8b2a61f93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "merged_into_id",
            sa.Uuid(),
            nullable=True,
            comment="staff merged this record into that one (the same person); null: in use",
        ),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["client.id"], name=op.f("fk_client_merged_into_id_client")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_merged_into_id"), ["merged_into_id"])

    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "client_id",
                sa.Uuid(),
                nullable=True,
                comment="the pseudonymous client record; set at submit (null for a draft)",
            )
        )
        batch_op.create_index(batch_op.f("ix_intake_submission_client_id"), ["client_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_intake_submission_client_id_client"), "client", ["client_id"], ["id"]
        )

    op.create_table(
        "rescreen_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "submission_id",
            sa.Uuid(),
            nullable=False,
            comment="the intake whose referral the client waits on (its contact wishes apply)",
        ),
        sa.Column(
            "round",
            sa.Integer(),
            nullable=False,
            comment="1 for the first invitation of this client, then 2...",
        ),
        sa.Column(
            "token_hash",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the link's token",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "used_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when the link was opened; it opens once",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rescreen_invitation_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_rescreen_invitation_submission_id_intake_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescreen_invitation")),
        sa.UniqueConstraint("client_id", "round", name="uq_rescreen_invitation_client_round"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rescreen_invitation_token_hash")),
    )
    with op.batch_alter_table("rescreen_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rescreen_invitation_submission_id"), ["submission_id"])

    op.create_table(
        "rescreen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invitation_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "browser_key_hash",
            sa.String(length=64),
            nullable=True,
            comment="SHA-256 of the key of the browser session that opened the link; "
            "null once sent or after quick exit",
        ),
        sa.Column(
            "still_waiting",
            sa.String(length=24),
            nullable=True,
            comment="the check-in: still_waiting, no_longer_needed, found_help; null: not said",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "answers_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.Column(
            "scores_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.Column(
            "assessment_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.CheckConstraint(
            "status IN ('open', 'submitted', 'assessed')", name=op.f("ck_rescreen_status")
        ),
        sa.CheckConstraint(
            "still_waiting IS NULL OR still_waiting IN "
            "('still_waiting', 'no_longer_needed', 'found_help')",
            name=op.f("ck_rescreen_still_waiting"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_rescreen_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["rescreen_invitation.id"],
            name=op.f("fk_rescreen_invitation_id_rescreen_invitation"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_rescreen_submission_id_intake_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescreen")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_rescreen_invitation_id")),
    )
    with op.batch_alter_table("rescreen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rescreen_client_id"), ["client_id"])
        batch_op.create_index(batch_op.f("ix_rescreen_submission_id"), ["submission_id"])

    with op.batch_alter_table("on_call_alert", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rescreen_id",
                sa.Uuid(),
                nullable=True,
                comment="paged because of this re-screen while waiting; null: the intake itself",
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_on_call_alert_rescreen_id_rescreen"), "rescreen", ["rescreen_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_on_call_alert_rescreen_id"), ["rescreen_id"]
        )
        batch_op.drop_constraint("uq_on_call_alert_submission_id", type_="unique")
        batch_op.create_index(
            "uq_on_call_alert_submission_id",
            ["submission_id"],
            unique=True,
            postgresql_where=sa.text("rescreen_id IS NULL"),
            sqlite_where=sa.text("rescreen_id IS NULL"),
        )


def downgrade() -> None:
    op.execute("DELETE FROM on_call_alert WHERE rescreen_id IS NOT NULL")
    with op.batch_alter_table("on_call_alert", schema=None) as batch_op:
        batch_op.drop_index("uq_on_call_alert_submission_id")
        batch_op.create_unique_constraint("uq_on_call_alert_submission_id", ["submission_id"])
        batch_op.drop_constraint(batch_op.f("uq_on_call_alert_rescreen_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_on_call_alert_rescreen_id_rescreen"), type_="foreignkey"
        )
        batch_op.drop_column("rescreen_id")
    op.drop_table("rescreen")
    op.drop_table("rescreen_invitation")
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_intake_submission_client_id_client"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_intake_submission_client_id"))
        batch_op.drop_column("client_id")
    op.drop_table("client")
