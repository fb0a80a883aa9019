"""dossier_stats: the desks' monthly dossier figures (Biểu 06/VPCP/KSTT shape, provisional)

One row per desk, month (its first day) and field (empty: all fields); each total equals its
parts and no figure is negative (CHECK constraints, as in the model).

Revision ID: a7b8c9d0e1f2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-10 09:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7b8c9d0e1f2"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None

FIGURES = (
    "received_total",
    "received_online",
    "received_direct",
    "received_carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_in_time",
    "pending_overdue",
)


def upgrade():
    op.create_table(
        "dossier_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "received_online + received_direct + received_carried_over = received_total",
            name=op.f("ck_dossier_stats_received_parts"),
        ),
        sa.CheckConstraint(
            "resolved_early + resolved_on_time + resolved_late = resolved_total",
            name=op.f("ck_dossier_stats_resolved_parts"),
        ),
        sa.CheckConstraint(
            "pending_in_time + pending_overdue = pending_total",
            name=op.f("ck_dossier_stats_pending_parts"),
        ),
        sa.CheckConstraint(
            " AND ".join(f"{name} >= 0" for name in FIGURES),
            name=op.f("ck_dossier_stats_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_dossier_stats_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_dossier_stats_service_point_id_service_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_stats")),
        sa.UniqueConstraint(
            "service_point_id",
            "month",
            "field",
            name=op.f("uq_dossier_stats_service_point_id_month_field"),
        ),
    )
    with op.batch_alter_table("dossier_stats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_stats_month"), ["month"], unique=False)


def downgrade():
    with op.batch_alter_table("dossier_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_stats_month"))
    op.drop_table("dossier_stats")
