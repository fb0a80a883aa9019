"""responses: drop the indexes on instrument_id and kiosk_id

Nothing looks responses up by instrument or by kiosk (reports go by desk and hour, through
ix_responses_point_hour), and instruments and kiosks are never deleted, so the foreign keys need no
index either. Each index cost every kiosk submission another page write
(bench/kiosk_submissions.py). Plain index drops: no table rebuild.

Revision ID: c4e8a2f1d9b3
Revises: b7cb0f1d36ab
Create Date: 2026-11-27 06:25:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8a2f1d9b3"
down_revision = "b7cb0f1d36ab"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_responses_kiosk_id", table_name="responses")
    op.drop_index("ix_responses_instrument_id", table_name="responses")


def downgrade():
    op.create_index("ix_responses_instrument_id", "responses", ["instrument_id"], unique=False)
    op.create_index("ix_responses_kiosk_id", "responses", ["kiosk_id"], unique=False)
