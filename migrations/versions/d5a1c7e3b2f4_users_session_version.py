"""users: session_version, so that signing out or a new password ends every session

Revision ID: d5a1c7e3b2f4
Revises: c4e8a2f1d9b3
Create Date: 2026-12-04 19:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5a1c7e3b2f4"
down_revision = "c4e8a2f1d9b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
