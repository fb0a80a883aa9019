"""The one-tap kiosk: multi_choice questions, partial responses, kiosk modes, invitations from
the counter, and abandoned surveys

- questions.kind takes `multi_choice` (the reasons behind a low rating);
- answers: one row per option of a multi_choice question, so the unique key becomes
  (response_id, question_id, coalesce(option_code, '')); a single-answer question still has one
  row (its option_code is NULL or its one option);
- responses.partial: the citizen stopped before the end; what was answered counts;
- kiosks.mode: `quick` (one screen of faces) or `full` (every question); existing tablets take
  `quick`, the presentation issue 15 asks for;
- kiosk_invitations and kiosk_abandons.

Revision ID: f3a4b5c6d7e8
Revises: e2f3a4b5c6d7
Create Date: 2026-12-05 22:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "f3a4b5c6d7e8"
down_revision = "e2f3a4b5c6d7"
branch_labels = None
depends_on = None

OLD_KINDS = ("likert5", "choice_scored", "yes_no", "text")
NEW_KINDS = (*OLD_KINDS, "multi_choice")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_questions_question_kind"), type_="check")
        batch_op.create_check_constraint("question_kind", _kinds(NEW_KINDS))
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_answers_response_id_question_id"), type_="unique")
    op.create_index(
        "uq_answers_response_question_option",
        "answers",
        ["response_id", "question_id", sa.text("coalesce(option_code, '')")],
        unique=True,
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("partial", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "mode",
                sa.Enum(
                    "quick",
                    "full",
                    name="kiosk_mode",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="quick",
                nullable=False,
            )
        )
    op.create_table(
        "kiosk_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("dossier_code", sa.String(length=40), nullable=True),
        sa.Column("procedure", sa.String(length=120), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counters.id"], name=op.f("fk_kiosk_invitations_counter_id_counters")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_kiosk_invitations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_kiosk_invitations_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_invitations")),
    )
    op.create_index(
        "ix_kiosk_invitations_counter_expiry",
        "kiosk_invitations",
        ["counter_id", "expires_at"],
        unique=False,
    )
    op.create_table(
        "kiosk_abandons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_abandons_kiosk_id_kiosks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_abandons")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_kiosk_abandons_client_uuid")),
    )
    op.create_index(
        "ix_kiosk_abandons_kiosk_day", "kiosk_abandons", ["kiosk_id", "day"], unique=False
    )


def downgrade():
    op.drop_index("ix_kiosk_abandons_kiosk_day", table_name="kiosk_abandons")
    op.drop_table("kiosk_abandons")
    op.drop_index("ix_kiosk_invitations_counter_expiry", table_name="kiosk_invitations")
    op.drop_table("kiosk_invitations")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_kiosks_kiosk_mode"), type_="check")
        batch_op.drop_column("mode")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("partial")
    # Back to one row per question: a multi_choice question's extra rows (and its answers) go.
    op.execute(
        "DELETE FROM answers WHERE question_id IN "
        "(SELECT id FROM questions WHERE kind = 'multi_choice')"
    )
    op.drop_index("uq_answers_response_question_option", table_name="answers")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            op.f("uq_answers_response_id_question_id"), ["response_id", "question_id"]
        )
    op.execute("DELETE FROM questions WHERE kind = 'multi_choice'")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_questions_question_kind"), type_="check")
        batch_op.create_check_constraint("question_kind", _kinds(OLD_KINDS))
