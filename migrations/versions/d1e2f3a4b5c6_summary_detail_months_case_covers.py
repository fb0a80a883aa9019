"""period summary: per-month counter/officer rollup; covering case and call indexes

The summary read a desk's breakdown from every day's detail and the cases it counts from the
table itself; both grew with the data. `rollup_detail_months` is filled here from the daily
rollup (which holds the same detail), so nothing needs to be folded again. Covering indexes
on cases and hotline calls replace the ones they extend (same leading columns).

Revision ID: d1e2f3a4b5c6
Revises: c0d1e2f3a4b5
Create Date: 2026-12-04 22:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d1e2f3a4b5c6"
down_revision = "c0d1e2f3a4b5"
branch_labels = None
depends_on = None

_MONTH_OF_DAY = {
    "sqlite": "date(day, 'start of month')",
    "postgresql": "CAST(date_trunc('month', day) AS DATE)",
}


def upgrade():
    op.create_table(
        "rollup_detail_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_detail_months")),
        sa.UniqueConstraint(
            "service_point_id",
            "month",
            "counter_id",
            "officer_id",
            "question_id",
            "answer_key",
            name="uq_rollup_detail_months_key",
        ),
    )
    month = _MONTH_OF_DAY[op.get_bind().dialect.name]
    op.execute(
        f"""
        INSERT INTO rollup_detail_months (month, service_point_id, counter_id, officer_id,
                                          question_id, answer_key, count)
        SELECT {month}, service_point_id, counter_id, officer_id, question_id, answer_key,
               SUM(count)
        FROM rollup_days
        WHERE NOT suspicious
        GROUP BY {month}, service_point_id, counter_id, officer_id, question_id, answer_key
        """  # noqa: S608 - constant fragments only
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_unit_received")
        batch_op.drop_index("ix_cases_unit_answered")
        batch_op.drop_index("ix_cases_unit_answer_due")
        batch_op.drop_index("ix_cases_channel")
        batch_op.create_index(
            "ix_cases_unit_received_cover",
            ["unit_id", "received_at", "channel", "kind", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cases_unit_answered_cover",
            ["unit_id", "answered_at", "kind", "answer_due", "verdict", "status", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cases_channel_received",
            ["channel", "received_at", "service_point_id"],
            unique=False,
        )
    with op.batch_alter_table("hotline_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_hotline_calls_unit_started")
        batch_op.create_index(
            "ix_hotline_calls_unit_started_cover",
            [
                "unit_id",
                "started_at",
                "missed",
                "recording_sid",
                "callback_due",
                "callback_done_at",
            ],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("hotline_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_hotline_calls_unit_started_cover")
        batch_op.create_index(
            "ix_hotline_calls_unit_started", ["unit_id", "started_at"], unique=False
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_channel_received")
        batch_op.drop_index("ix_cases_unit_answered_cover")
        batch_op.drop_index("ix_cases_unit_received_cover")
        batch_op.create_index("ix_cases_channel", ["channel"], unique=False)
        batch_op.create_index("ix_cases_unit_answer_due", ["unit_id", "answer_due"], unique=False)
        batch_op.create_index("ix_cases_unit_answered", ["unit_id", "answered_at"], unique=False)
        batch_op.create_index("ix_cases_unit_received", ["unit_id", "received_at"], unique=False)
    op.drop_table("rollup_detail_months")
