"""answers: drop the two single-column indexes

The unique (response_id, question_id) index already serves every lookup by response, and reports
reach answers through their responses. The index on question_id cost each kiosk submission a page
write per question answered (bench/kiosk_submissions.py). Plain index drops: no table rebuild.

Revision ID: b7cb0f1d36ab
Revises: 84b2ca1a3dba
Create Date: 2026-11-27 03:57:14.631789

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b7cb0f1d36ab"
down_revision = "84b2ca1a3dba"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_answers_question_id", table_name="answers")
    op.drop_index("ix_answers_response_id", table_name="answers")


def downgrade():
    op.create_index("ix_answers_response_id", "answers", ["response_id"], unique=False)
    op.create_index("ix_answers_question_id", "answers", ["question_id"], unique=False)
