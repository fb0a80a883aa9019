"""rollups for the period summary: per-day and per-month answer counts, responses.rolled_up

Existing responses start not rolled up: the first summary (or `flask reports rebuild-rollups`)
counts them.

Revision ID: b9c0d1e2f3a4
Revises: a7b8c9d0e1f2
Create Date: 2026-12-04 20:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b9c0d1e2f3a4"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rollup_batch",
        sa.Column("response_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_rollup_batch")),
    )
    op.create_table(
        "rollup_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("suspicious", sa.Boolean(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_days")),
        sa.UniqueConstraint(
            "service_point_id",
            "day",
            "counter_id",
            "officer_id",
            "channel",
            "suspicious",
            "question_id",
            "answer_key",
            name="uq_rollup_days_key",
        ),
    )
    op.create_table(
        "rollup_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("suspicious", sa.Boolean(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_months")),
        sa.UniqueConstraint(
            "service_point_id",
            "month",
            "channel",
            "suspicious",
            "question_id",
            "answer_key",
            name="uq_rollup_months_key",
        ),
    )
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responses_folded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rolled_up", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            "ix_responses_to_roll_up",
            ["id"],
            unique=False,
            sqlite_where=sa.text("NOT rolled_up"),
            postgresql_where=sa.text("NOT rolled_up"),
        )


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_responses_to_roll_up",
            sqlite_where=sa.text("NOT rolled_up"),
            postgresql_where=sa.text("NOT rolled_up"),
        )
        batch_op.drop_column("rolled_up")
    op.drop_table("rollup_state")
    op.drop_table("rollup_months")
    op.drop_table("rollup_days")
    op.drop_table("rollup_batch")
