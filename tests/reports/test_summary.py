"""The period summary through its public surfaces (the JSON API, the page, the CLI), against
hand-computed fixtures: small cells, no-opinion answers, days in Vietnam time, children, the
previous period, bursts, access."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    Case,
    CaseChannel,
    CaseKind,
    RollupDay,
    ServicePoint,
    User,
)
from tests.conftest import page, rate, sign_in, translated


def summary(client, period: str, unit: str, lang: str = "en") -> dict:
    response = client.get(f"/api/v1/reports/summary?period={period}&unit={unit}&lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_overall_share_interval_and_levels_are_computed_from_counts(app, reform, survey, district):
    for value in (5, 5, 4, 3, 2, 1):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    s = summary(reform, "2026-03", "00343")
    overall = s["questions"]["overall"]
    assert overall["n"] == 6
    assert overall["satisfied_pct"] == 50.0  # 3 of 6 answered 4 or 5
    assert overall["mean"] == 3.33  # (5+5+4+3+2+1)/6
    assert overall["levels"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
    # Wilson 95%: p=0.5, n=6, z=1.96 → (0.5+0.32)/1.64 ± 1.96·√(0.0417+0.0267)/1.64 → 18.8–81.2
    assert overall["ci95"] == [18.8, 81.2]
    assert s["responses"] == 6
    assert s["channels"]["paper"] == 6
    assert s["unit"] == {"code": "00343", "name": "Phường Nhân Chính"}
    assert s["period"]["label"] == "2026-03"


def test_a_cell_below_min_cell_is_null_everywhere(app, reform, survey, district):
    for value in (5, 5, 5, 5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    s = summary(reform, "2026-03", "00343")
    overall = s["questions"]["overall"]
    assert overall["n"] == 4
    assert overall["satisfied_pct"] is None and overall["ci95"] is None
    assert overall["levels"] is None
    assert s["satisfaction_index"] is None
    body = page(reform.get("/reports/summary?period=2026-03&unit=00343&lang=vi"))
    assert translated("not enough responses") in body


def test_no_opinion_is_left_out_of_n(app, reform, survey, district):
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), f1_access=5)
    rate(app, district["desk_a"], datetime(2026, 3, 10, 9), f1_access="no_opinion")
    s = summary(reform, "2026-03", "00343")
    assert s["questions"]["f1_access"]["n"] == 5
    assert s["questions"]["f1_access"]["satisfied_pct"] == 100.0
    assert s["responses"] == 6


def test_days_are_vietnamese_days(app, reform, survey, district):
    """23:30 on 31 March is March; 00:30 on 1 April is April (times stored to the hour)."""
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 3, 31, 23, 30), overall=5)
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 4, 1, 0, 30), overall=1)
    march = summary(reform, "2026-03", "00343")
    april = summary(reform, "2026-04", "00343")
    assert march["questions"]["overall"]["satisfied_pct"] == 100.0
    assert april["questions"]["overall"]["satisfied_pct"] == 0.0
    assert april["previous"]["questions"]["overall"]["satisfied_pct"] == 100.0
    # A custom range across the boundary reads days from both months.
    both = summary(reform, "2026-03-31..2026-04-01", "00343")
    assert both["responses"] == 10
    quarter = summary(reform, "2026-Q2", "00343")
    assert quarter["responses"] == 5


def test_a_district_adds_up_its_wards_and_lists_each(app, reform, survey, district):
    for value in (5, 4, 4, 2, 1):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    for value in (5, 5, 5, 5, 5):
        rate(app, district["desk_b"], datetime(2026, 3, 12, 9), overall=value)
    s = summary(reform, "2026-03", "009")
    assert s["responses"] == 10
    assert s["questions"]["overall"]["satisfied_pct"] == 80.0
    children = {child["unit"]["code"]: child for child in s["children"]}
    assert children["00343"]["questions"]["overall"]["satisfied_pct"] == 60.0
    assert children["00346"]["questions"]["overall"]["satisfied_pct"] == 100.0


def test_burst_flagged_responses_are_counted_apart(app, reform, survey, district):
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=5)
    for _ in range(3):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), suspicious=True, overall=1)
    s = summary(reform, "2026-03", "00343")
    assert s["suspicious"] == 3
    assert s["responses"] == 5
    assert s["questions"]["overall"]["satisfied_pct"] == 100.0


def test_an_acknowledged_answer_is_in_the_next_summary(app, reform, survey, district):
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9))
    assert summary(reform, "2026-03", "00343")["responses"] == 5
    rate(app, district["desk_a"], datetime(2026, 3, 11, 9))
    assert summary(reform, "2026-03", "00343")["responses"] == 6
    with app.app_context():
        stored = db.session.scalar(
            select(func.sum(RollupDay.count)).where(RollupDay.question_id == 0)
        )
        assert stored == 6  # folded once each, never twice


def test_rebuilding_the_rollups_gives_the_same_summary(app, runner, reform, survey, district):
    for value in (5, 4, 3, 2, 1):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    before = summary(reform, "2026-03", "009")
    result = runner.invoke(args=["reports", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "5" in result.output
    assert summary(reform, "2026-03", "009") == before


def test_cases_answered_on_time_and_overdue(app, reform, survey, district):
    from feedback_app.cases import service as cases

    with app.app_context():
        point = db.session.get(ServicePoint, district["desk_a"])
        actor = db.session.scalar(select(User).where(User.username == "reform"))
        received = datetime(2026, 3, 2, 2, tzinfo=UTC)
        on_time = cases.create_case(
            cases.NewCase(
                channel=CaseChannel.WALK_IN,
                content="Chậm trả kết quả",
                service_point=point,
                received_at=received,
            )
        )[0]
        cases.classify(on_time, kind=CaseKind.FEEDBACK, subject="", actor=actor)
        cases.answer(on_time, text="Đã xử lý", actor=actor, publish=False)
        on_time.answered_at = datetime(2026, 3, 5, 2, tzinfo=UTC)
        cases.create_case(
            cases.NewCase(
                channel=CaseChannel.HOTLINE_CALL,
                content="Chưa được trả lời",
                service_point=point,
                received_at=received,
            )
        )
        db.session.commit()
    s = summary(reform, "2026-03", "00343")
    assert s["cases"]["received"] == 2
    assert s["cases"]["answered"] == 1
    assert s["cases"]["answered_on_time_pct"] == 100.0
    assert s["cases"]["overdue"] == 1  # due mid-March, still open at the end of the month
    assert s["cases"]["by_channel"] == {"walk_in": 1, "hotline_call": 1}
    assert s["qd766"]["5.2"]["pct"] == 50.0  # one settled on time, one open overdue
    assert s["qd766"]["5.2"]["points"] == 3.0
    assert s["qd766"]["5.4"]["pct"] is None  # no dossier figures


def test_the_page_shows_the_figures_in_both_languages(app, reform, survey, district):
    for value in (5, 5, 4, 3, 2):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    vi = page(reform.get("/reports/summary?period=2026-03&unit=009&lang=vi"))
    assert "60,0%" in vi  # the district's overall share, written the Vietnamese way
    assert translated("Period summary") in vi
    en = page(reform.get("/reports/summary?period=2026-03&unit=009&lang=en"))
    assert "60.0%" in en and "Period summary" in en


def test_a_bad_period_is_a_translated_400(app, reform, survey, district):
    response = reform.get("/reports/summary?period=2026-Q5&unit=009")
    assert response.status_code == 400
    api = reform.get("/api/v1/reports/summary?period=2026-Q5&unit=009&lang=en")
    assert api.status_code == 400
    assert "period" in api.get_json()["errors"]


@pytest.mark.parametrize(
    ("username", "unit", "status"),
    [
        ("admin", "009", 200),
        ("reform", "009", 200),
        ("reform", "00346", 200),
        ("manager_a", "00343", 200),
        ("manager_a", "00346", 404),
        ("manager_a", "009", 404),
        ("clerk", "009", 403),
        ("hotline", "009", 403),
        ("counter_a", "00343", 403),
    ],
)
def test_who_sees_which_unit(app, client, survey, district, username, unit, status):
    sign_in(client, username)
    url = f"/api/v1/reports/summary?period=2026-03&unit={unit}"
    assert client.get(url).status_code == status
    assert client.get(url.replace("/api/v1", "")).status_code == status


def test_the_api_needs_a_signed_in_session(client, survey, district):
    response = client.get("/api/v1/reports/summary?period=2026-03&unit=009")
    assert response.status_code == 401
    assert response.get_json()["status"] == 401


def test_officers_are_shown_to_the_reform_office_only(app, client, survey, district):
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9))
    sign_in(client, "reform")
    desks = summary(client, "2026-03", "00343")["desks"]
    assert desks and "officers" in desks[0]
    other = sign_in(app.test_client(), "manager_a")
    desks = summary(other, "2026-03", "00343")["desks"]
    assert desks and "officers" not in desks[0]


def test_the_cli_gives_the_same_object_as_json_and_csv(
    app, runner, reform, survey, district, tmp_path
):
    for value in (5, 4, 3, 2, 1):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    result = runner.invoke(args=["reports", "summary", "--period", "2026-03", "--unit", "00343"])
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.output)
    from_api = summary(reform, "2026-03", "00343", lang="vi")
    assert from_cli["questions"] == from_api["questions"]
    assert from_cli["responses"] == from_api["responses"] == 5
    target = tmp_path / "s.csv"
    result = runner.invoke(
        args=[
            "reports",
            "summary",
            "--period",
            "2026-03",
            "--unit",
            "00343",
            "--format",
            "csv",
            "--output",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "question.overall.satisfied_pct,40.0" in text
    bad = runner.invoke(args=["reports", "summary", "--period", "2026-13", "--unit", "00343"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_comments_are_listed_masked_filterable_and_linked_to_their_case(
    app, reform, survey, district
):
    rate(
        app, district["desk_a"], datetime(2026, 3, 10, 9), overall=1, comment="Gọi 0912345678 giúp"
    )
    rate(app, district["desk_b"], datetime(2026, 3, 11, 9), overall=5, comment="Cán bộ nhiệt tình")
    rate(app, district["desk_a"], datetime(2026, 4, 2, 9), overall=5, comment="Tháng sau")
    body = page(reform.get("/reports/comments?period=2026-03&unit=009&lang=en"))
    assert "091*****78" in body and "0912345678" not in body
    assert "Cán bộ nhiệt tình" in body and "Tháng sau" not in body
    with app.app_context():
        code = db.session.scalar(select(Case.code))
    assert code and f"/cases/{code}" in body  # a 1 with a comment opened a case
    low = page(reform.get("/reports/comments?period=2026-03&unit=009&rating=1&lang=en"))
    assert "091*****78" in low and "Cán bộ nhiệt tình" not in low
    ward_b = page(reform.get("/reports/comments?period=2026-03&unit=00346&lang=en"))
    assert "Cán bộ nhiệt tình" in ward_b and "091*****78" not in ward_b


@pytest.mark.parametrize(("username", "status"), [("manager_b", 404), ("clerk", 403)])
def test_comments_follow_the_summarys_access(client, survey, district, username, status):
    sign_in(client, username)
    assert client.get("/reports/comments?period=2026-03&unit=00343").status_code == status


def test_satisfaction_by_channel(app, reform, survey, district):
    for value in (5, 5, 5, 5, 5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), overall=value)
    s = summary(reform, "2026-03", "00343")
    assert s["by_channel"]["paper"]["responses"] == 5
    assert s["by_channel"]["paper"]["overall_satisfied_pct"] == 100.0
    assert "kiosk" not in s["by_channel"]


def test_a_period_spanning_1_july_2025_says_so_and_is_not_official(app, reform, survey, district):
    s = summary(reform, "2025", "00343")
    assert s["period"]["spans_reform"] is True
    assert s["tt01_total"]["official"] is False
    h1 = summary(reform, "2025-H1", "00343")
    assert h1["period"]["spans_reform"] is False and h1["tt01_total"]["official"] is True
    body = page(reform.get("/reports/summary?period=2025&unit=00343&lang=en"))
    assert "Decree 118/2025" in body


def test_tt01_indices_come_from_the_scored_questions(app, reform, survey, district):
    """tt01_returns: none=2, once=1, more=0 points; index = points / dossiers (Điều 15)."""
    for option in ("none", "none", "none", "once", "more"):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9), tt01_returns=option)
    s = summary(reform, "2026-03", "00343")
    assert s["tt01"]["3"] == 1.4  # (2+2+2+1+0) / 5
    assert s["tt01_total"]["band"] is None  # indices without data are named, no band
    assert 1 in s["tt01_total"]["missing"] and 3 not in s["tt01_total"]["missing"]


def test_a_year_boundary_compares_with_the_month_before(app, reform, survey, district):
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2025, 12, 31, 23, 10), overall=2)
    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 1, 1, 8), overall=5)
    january = summary(reform, "2026-01", "00343")
    assert january["questions"]["overall"]["satisfied_pct"] == 100.0
    assert january["previous"]["period"]["label"] == "2025-12"
    assert january["previous"]["questions"]["overall"]["satisfied_pct"] == 0.0
    assert january["changes"]["questions"]["overall"]["significant"] is True


def test_coverage_compares_ratings_and_dossiers_at_the_same_desks(app, reform, survey, district):
    from feedback_app.models import DossierStat

    for _ in range(5):
        rate(app, district["desk_a"], datetime(2026, 3, 10, 9))
    for _ in range(2):
        rate(app, district["desk_b"], datetime(2026, 3, 10, 9))
    with app.app_context():
        figures = dict.fromkeys(
            ("received_online", "received_carried_over", "resolved_early", "pending_in_time"), 0
        )
        db.session.add(
            DossierStat(
                service_point_id=district["desk_b"],
                month=datetime(2026, 3, 1).date(),
                field="",
                received_total=8,
                received_direct=8,
                resolved_total=8,
                resolved_on_time=6,
                resolved_late=2,
                pending_total=1,
                pending_overdue=1,
                **figures,
            )
        )
        db.session.commit()
    s = summary(reform, "2026-03", "009")
    assert s["coverage_pct"] == 25.0  # ward B's 2 ratings over its 8 dossiers, not all 7 ratings
    assert s["dossiers"]["late"] == 2 and s["dossiers"]["on_time_pct"] == 75.0
    assert s["qd766"]["5.4"]["pct"] == 75.0  # 100 − 2/8·100 − 0 dissatisfied
    ward_a = next(c for c in s["children"] if c["unit"]["code"] == "00343")
    assert ward_a["dossiers"] is None and ward_a["coverage_pct"] is None


def test_an_empty_period_is_a_400_not_an_error(app, reform, survey, district):
    response = reform.get("/api/v1/reports/summary?period=%E2%80%8B&unit=009&lang=en")
    assert response.status_code == 400
    assert response.get_json()["errors"]["period"]


def test_a_case_not_yet_due_is_not_overdue_in_a_period_still_running(app, reform, survey, district):
    from feedback_app.cases import service as cases
    from feedback_app.reports import periods
    from feedback_app.timeutil import local_today, now_utc

    with app.app_context():
        point = db.session.get(ServicePoint, district["desk_a"])
        cases.create_case(
            cases.NewCase(
                channel=CaseChannel.WALK_IN,
                content="Vừa nhận hôm nay",
                service_point=point,
                received_at=now_utc(),
            )
        )
        db.session.commit()
    year = periods.current("year", local_today()).label
    s = summary(reform, year, "00343")
    assert s["cases"]["received"] == 1
    assert s["cases"]["overdue"] == 0
