"""cases: the citizen's verdict on a published answer (hai_long / khong_hai_long) and when

Existing cases have no verdict (NULL); the CHECK constraint admits only the two values.

Revision ID: f1a2b3c4d5e6
Revises: e8b3d6f0a4c1
Create Date: 2026-12-10 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a2b3c4d5e6"
down_revision = "e8b3d6f0a4c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "verdict",
                sa.Enum(
                    "hai_long",
                    "khong_hai_long",
                    name="verdict",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        # First the CHECK constraint: SQLite's batch mode copies it into the new table, where
        # it would name a column that is gone.
        batch_op.drop_constraint(batch_op.f("ck_cases_verdict"), type_="check")
        batch_op.drop_column("verdict_at")
        batch_op.drop_column("verdict")
