"""responses.commented, with a partial index of the commented responses per desk and hour

The comments list and the report's annex read a desk's period of comments; without this they
walked every response of it (1.3 s for a district's half-year at 300,000 responses). Existing
responses are marked from their stored comment answers.

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2026-12-04 23:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2f3a4b5c6d7"
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("commented", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE responses SET commented = true WHERE id IN "
        "(SELECT response_id FROM answers WHERE text IS NOT NULL AND text <> '')"
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_commented",
            ["service_point_id", "submitted_hour"],
            unique=False,
            sqlite_where=sa.text("commented = 1"),
            postgresql_where=sa.text("commented"),
        )


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_responses_commented",
            sqlite_where=sa.text("commented = 1"),
            postgresql_where=sa.text("commented"),
        )
        batch_op.drop_column("commented")
