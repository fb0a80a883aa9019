"""answer_templates: an owner unit (the author's), so a ward cannot retire another's template

Existing templates are given to the top of the map (the first unit without a parent): they stay
usable everywhere, and only people whose scope covers every unit may retire them.

Revision ID: e8b3d6f0a4c1
Revises: d5a1c7e3b2f4
Create Date: 2026-12-04 20:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8b3d6f0a4c1"
down_revision = "d5a1c7e3b2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answer_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE answer_templates SET unit_id = "
        "(SELECT min(id) FROM admin_units WHERE parent_id IS NULL)"
    )
    with op.batch_alter_table("answer_templates", schema=None) as batch_op:
        batch_op.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_answer_templates_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_answer_templates_unit_id_admin_units"), "admin_units", ["unit_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("answer_templates", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_answer_templates_unit_id_admin_units"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_answer_templates_unit_id"))
        batch_op.drop_column("unit_id")
