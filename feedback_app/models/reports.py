"""Rollups the period summary reads instead of raw answers (reports.rollups keeps them).

Each row counts the answers given with one value (or option) to one question, on one Vietnamese
calendar day (or in one month), at one desk, through one channel, flagged as part of a burst or
not. `question_id` 0 counts responses instead: those that answered at least one rating question,
with `answer_key` '' for a finished response and 'partial' for one the citizen stopped early. A
multi_choice question (the reasons) has a row per option chosen. The tables are derived:
`flask reports rebuild-rollups` makes them again from the responses.
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# The question_id of the rows that count responses rather than answers.
RESPONSES_ROW = 0
# counter_id / officer_id when a response came from no counter or with no officer on duty
# (0, not NULL: NULLs never conflict in a unique key, so upserts could not find the row).
NONE = 0


class RollupDay(db.Model):
    """Answers per day, desk, counter, officer on duty, channel and value: the detail a desk's
    own breakdown (per counter, per officer) and the odd days of a custom period are read from."""

    __tablename__ = "rollup_days"
    __table_args__ = (
        UniqueConstraint(
            "service_point_id",
            "day",
            "counter_id",
            "officer_id",
            "channel",
            "suspicious",
            "question_id",
            "answer_key",
            name="uq_rollup_days_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    service_point_id: Mapped[int] = mapped_column(Integer)
    counter_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    suspicious: Mapped[bool] = mapped_column()
    question_id: Mapped[int] = mapped_column(Integer)
    # The Likert value ("1".."5"), an option code, or "no_opinion"; on question 0, '' or
    # 'partial'.
    answer_key: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)


class RollupMonth(db.Model):
    """The same counts per month and desk (no counter or officer): whole months of a period
    are read from here, a few thousand rows for a district's half-year."""

    __tablename__ = "rollup_months"
    __table_args__ = (
        UniqueConstraint(
            "service_point_id",
            "month",
            "channel",
            "suspicious",
            "question_id",
            "answer_key",
            name="uq_rollup_months_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # its first day
    service_point_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    suspicious: Mapped[bool] = mapped_column()
    question_id: Mapped[int] = mapped_column(Integer)
    answer_key: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)


class RollupDetailMonth(db.Model):
    """Per month and desk, the counts per counter and officer on duty (burst-flagged answers left
    out, as every figure leaves them out): a desk's breakdown reads a few hundred rows per month
    here instead of every day's detail."""

    __tablename__ = "rollup_detail_months"
    __table_args__ = (
        UniqueConstraint(
            "service_point_id",
            "month",
            "counter_id",
            "officer_id",
            "question_id",
            "answer_key",
            name="uq_rollup_detail_months_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # its first day
    service_point_id: Mapped[int] = mapped_column(Integer)
    counter_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(Integer)
    answer_key: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)


class RollupBatch(db.Model):
    """The responses one fold is adding to the rollups (empty between folds)."""

    __tablename__ = "rollup_batch"

    response_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class RollupState(db.Model):
    """One row: when the rollups were last brought up to date. Every fold updates it first, so
    folds queue behind each other (a row lock on PostgreSQL, the write lock on SQLite)."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    folded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responses_folded: Mapped[int] = mapped_column(Integer, default=0)
