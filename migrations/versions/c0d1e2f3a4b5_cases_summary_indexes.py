"""cases: indexes for the period summary (answered in a period; past the answer's due date)

Revision ID: c0d1e2f3a4b5
Revises: b9c0d1e2f3a4
Create Date: 2026-12-04 21:15:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c0d1e2f3a4b5"
down_revision = "b9c0d1e2f3a4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_unit_answered", "cases", ["unit_id", "answered_at"], unique=False)
    op.create_index("ix_cases_unit_answer_due", "cases", ["unit_id", "answer_due"], unique=False)


def downgrade():
    op.drop_index("ix_cases_unit_answer_due", table_name="cases")
    op.drop_index("ix_cases_unit_answered", table_name="cases")
