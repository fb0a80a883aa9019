"""Per-day and per-month counts of answers, kept so that no summary scans raw answers.

How they stay current without slowing a submission: a new response is stored with
`rolled_up = false` (nothing else happens on the hot path), and every summary first *folds*
whatever is not yet rolled up: in one transaction it

1. updates the single `rollup_state` row first, so folds queue behind each other (a row lock
   on PostgreSQL; on SQLite the write lock, taken before anything is read);
2. copies the ids of the waiting responses into `rollup_batch` (on PostgreSQL, a response
   committed meanwhile is simply left for the next fold);
3. adds the batch's counts to `rollup_days`, `rollup_months` and `rollup_detail_months`
   (INSERT … ON CONFLICT DO UPDATE);
4. marks the batch's responses rolled up and empties the batch.

So an acknowledged submission is in the next summary, a fold never counts a response twice, and
a partial index (`ix_responses_to_roll_up`) makes "anything waiting?" free to ask.

Question 0 counts rated responses, those the citizen finished under answer key "" and those left
part-way (`responses.partial`) under PARTIAL_KEY: every figure adds both, the kiosk completion
figures tell them apart. A multi_choice answer is one row per option chosen, so its counts are
per option (the reasons behind a low rating), like any other option.
"""

from datetime import date

from sqlalchemy import Connection, text

from ..extensions import db
from ..models import RollupBatch, RollupDay, RollupDetailMonth, RollupMonth, RollupState
from ..timeutil import now_utc

BATCH_SIZE = 20_000
STATE_ID = 1
# The answer key of question 0 for a rated response the citizen left part-way (a finished one: "").
PARTIAL_KEY = "partial"

# The Vietnamese calendar day of a stored instant (Asia/Ho_Chi_Minh has no daylight saving time,
# so SQLite's fixed +7 hours is the same as the zone).
_LOCAL_DAY = {
    "sqlite": "date(r.submitted_hour, '+7 hours')",
    "postgresql": "CAST(r.submitted_hour AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE)",
}
_MONTH_OF = {
    "sqlite": "date({day}, 'start of month')",
    "postgresql": "CAST(date_trunc('month', {day}) AS DATE)",
}
# What an answer counts as: its option ("no_opinion" included) or its value.
_ANSWER_KEY = "COALESCE(a.option_code, CAST(a.value AS VARCHAR(12)))"
_RATED = (
    "EXISTS (SELECT 1 FROM answers ra JOIN questions rq ON rq.id = ra.question_id "
    "WHERE ra.response_id = r.id AND rq.kind = 'likert5' AND ra.value IS NOT NULL)"
)
_RESPONSE_KEY = f"CASE WHEN r.partial THEN '{PARTIAL_KEY}' ELSE '' END"
_PLACE = "r.service_point_id, COALESCE(r.counter_id, 0), COALESCE(r.officer_id, 0)"
_PLACE_NAMED = (
    "r.service_point_id AS service_point_id, COALESCE(r.counter_id, 0) AS counter_id, "
    "COALESCE(r.officer_id, 0) AS officer_id"
)


def _day_rows(dialect: str) -> str:
    """The batch's counts per day and place: its answers, then its rated responses (question 0,
    finished and partial ones under their own keys).

    CROSS JOIN, with the join conditions in WHERE, keeps the tables in the order written on
    SQLite (its planner never reorders a CROSS JOIN): from the few batch rows out to their
    responses and answers by index. Left to choose, it started from the whole answers table
    (2.2 s to fold one response at 300,000). PostgreSQL plans it as an ordinary join."""
    day = _LOCAL_DAY[dialect]
    return f"""
        SELECT {day} AS day, {_PLACE_NAMED}, r.channel AS channel, r.suspicious AS suspicious,
               a.question_id AS question_id, {_ANSWER_KEY} AS answer_key, COUNT(*) AS n
        FROM rollup_batch b
        CROSS JOIN responses r
        CROSS JOIN answers a
        WHERE r.id = b.response_id AND a.response_id = r.id
          AND (a.value IS NOT NULL OR a.option_code IS NOT NULL)
        GROUP BY {day}, {_PLACE}, r.channel, r.suspicious, a.question_id, {_ANSWER_KEY}
        UNION ALL
        SELECT {day}, {_PLACE}, r.channel, r.suspicious, 0, {_RESPONSE_KEY}, COUNT(*)
        FROM rollup_batch b
        CROSS JOIN responses r
        WHERE r.id = b.response_id AND {_RATED}
        GROUP BY {day}, {_PLACE}, r.channel, r.suspicious, {_RESPONSE_KEY}
    """  # noqa: S608 - built from this module's constant fragments; no input reaches it


def _add_days(dialect: str) -> str:
    return f"""
        INSERT INTO rollup_days (day, service_point_id, counter_id, officer_id, channel,
                                 suspicious, question_id, answer_key, count)
        SELECT * FROM ({_day_rows(dialect)}) AS batch_days WHERE n > 0
        ON CONFLICT (service_point_id, day, counter_id, officer_id, channel, suspicious,
                     question_id, answer_key)
        DO UPDATE SET count = rollup_days.count + excluded.count
    """  # noqa: S608 - constant fragments only


def _add_months(dialect: str) -> str:
    month = _MONTH_OF[dialect].format(day="d.day")
    return f"""
        INSERT INTO rollup_months (month, service_point_id, channel, suspicious, question_id,
                                   answer_key, count)
        SELECT {month}, d.service_point_id, d.channel, d.suspicious, d.question_id,
               d.answer_key, SUM(d.n)
        FROM ({_day_rows(dialect)}) AS d
        WHERE d.n > 0
        GROUP BY {month}, d.service_point_id, d.channel, d.suspicious, d.question_id,
                 d.answer_key
        ON CONFLICT (service_point_id, month, channel, suspicious, question_id, answer_key)
        DO UPDATE SET count = rollup_months.count + excluded.count
    """  # noqa: S608 - constant fragments only


def _add_detail_months(dialect: str) -> str:
    month = _MONTH_OF[dialect].format(day="d.day")
    return f"""
        INSERT INTO rollup_detail_months (month, service_point_id, counter_id, officer_id,
                                          question_id, answer_key, count)
        SELECT {month}, d.service_point_id, d.counter_id, d.officer_id, d.question_id,
               d.answer_key, SUM(d.n)
        FROM ({_day_rows(dialect)}) AS d
        WHERE d.n > 0 AND NOT d.suspicious
        GROUP BY {month}, d.service_point_id, d.counter_id, d.officer_id, d.question_id,
                 d.answer_key
        ON CONFLICT (service_point_id, month, counter_id, officer_id, question_id, answer_key)
        DO UPDATE SET count = rollup_detail_months.count + excluded.count
    """  # noqa: S608 - constant fragments only


_STATE_ROW = text(
    "INSERT INTO rollup_state (id, responses_folded) VALUES (:id, 0) ON CONFLICT (id) DO NOTHING"
)
_WAITING = text("SELECT 1 FROM responses WHERE NOT rolled_up LIMIT 1")
_CLAIM = text(
    "INSERT INTO rollup_batch (response_id) "
    "SELECT id FROM responses WHERE NOT rolled_up ORDER BY id LIMIT :limit"
)
_MARK = text(
    "UPDATE responses SET rolled_up = true WHERE id IN (SELECT response_id FROM rollup_batch)"
)
_EMPTY = text("DELETE FROM rollup_batch")


def waiting(sql: Connection) -> bool:
    """Whether any stored response is not in the rollups yet (an index lookup)."""
    return sql.execute(_WAITING).first() is not None


def fold_batch(sql: Connection, limit: int = BATCH_SIZE) -> int:
    """Fold up to `limit` waiting responses into the rollups, in the caller's transaction (which
    commits); returns how many. See the module's docstring for why the steps are in this order."""
    dialect = sql.dialect.name
    # A write first: on SQLite it takes the write lock before anything is read; the UPDATE then
    # holds the state row's lock on PostgreSQL until this transaction ends.
    sql.execute(_STATE_ROW, {"id": STATE_ID})
    sql.execute(
        RollupState.__table__.update().where(RollupState.id == STATE_ID).values(folded_at=now_utc())
    )
    claimed = sql.execute(_CLAIM, {"limit": limit}).rowcount
    if claimed and dialect == "postgresql":
        # The batch table is empty between folds, so its statistics would mislead the planner
        # into hashing every answer; and JIT compiling costs more than these statements take.
        sql.execute(text("ANALYZE rollup_batch"))
        sql.execute(text("SET LOCAL jit = off"))
    if claimed:
        sql.execute(text(_add_days(dialect)))
        sql.execute(text(_add_months(dialect)))
        sql.execute(text(_add_detail_months(dialect)))
        sql.execute(_MARK)
        sql.execute(_EMPTY)
        sql.execute(
            RollupState.__table__.update()
            .where(RollupState.id == STATE_ID)
            .values(responses_folded=RollupState.responses_folded + claimed)
        )
    return claimed


def bring_up_to_date() -> int:
    """Fold every waiting response, a batch per transaction; returns how many were folded.

    Runs on its own connection and commits there, so a summary request reads the rollups with
    every response acknowledged before it, and its own session stays read-only."""
    total = 0
    with db.engine.connect() as sql:
        if not waiting(sql):
            return 0
        sql.rollback()
        while True:
            with sql.begin():
                folded = fold_batch(sql)
            total += folded
            if folded < BATCH_SIZE:
                return total


def rebuild() -> int:
    """Count everything again from the responses (after a repair, or to check the rollups)."""
    with db.engine.begin() as sql:
        sql.execute(RollupDay.__table__.delete())
        sql.execute(RollupMonth.__table__.delete())
        sql.execute(RollupDetailMonth.__table__.delete())
        sql.execute(RollupBatch.__table__.delete())
        sql.execute(text("UPDATE responses SET rolled_up = false WHERE rolled_up"))
        sql.execute(RollupState.__table__.delete())
    return bring_up_to_date()


def month_start(day: date) -> date:
    """The first day of a day's month."""
    return day.replace(day=1)
