"""Issue 15 in the period summary, through its public surfaces (the JSON API, the page, the CLI
and its files): the reasons citizens give with a low rating, counted per unit, per ward and per
desk beside the low ratings; and the kiosk completion figures (finished, partial, abandoned)."""

import csv
import io
import json
import uuid
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from feedback_app.extensions import db
from feedback_app.models import KioskAbandon, Response, ResponseChannel
from feedback_app.reports import periods
from feedback_app.surveys import instruments
from feedback_app.surveys import service as surveys
from feedback_app.timeutil import LOCAL_TZ, local_today
from tests.conftest import page, translated
from tests.surveys.kiosk_support import make_kiosk

REASON_CODES = ["attitude", "wait_time", "procedure", "guidance", "facilities", "other"]


@pytest.fixture
def kiosks(app, survey, district) -> dict:
    """A tablet at each ward's desk, and limits high enough for a test's many quick answers
    (a real tablet's burst of them would be flagged)."""
    app.config["KIOSK_BURST_COUNT"] = 10_000
    app.config["KIOSK_RATELIMIT"] = "10000 per minute"
    return {"a": make_kiosk(app, district["desk_a"]), "b": make_kiosk(app, district["desk_b"])}


def this_month() -> str:
    return periods.current("month", local_today()).label


def instrument_label(client, kiosk: dict) -> str:
    return client.get(f"/api/v1/kiosk/{kiosk['token']}").get_json()["instrument"]


def tap(client, kiosk: dict, overall: int, reasons=None, partial: bool = False, **more) -> None:
    """One survey sent by the tablet as it does today: the overall rating, the reasons when
    any, whatever else was answered, and whether the citizen stopped part-way."""
    answers = {"overall": overall, **more}
    if reasons is not None:
        answers["reasons"] = list(reasons)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "instrument": instrument_label(client, kiosk),
        "answers": answers,
        "partial": partial,
    }
    response = client.post(f"/api/v1/kiosk/{kiosk['token']}/responses", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)


def walk_away(client, kiosk: dict, invited: bool = False) -> None:
    """A survey begun at the tablet and left with no rating, as the tablet reports it."""
    body = {"client_uuid": str(uuid.uuid4()), "invited": invited}
    response = client.post(f"/api/v1/kiosk/{kiosk['token']}/abandoned", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)


def old_tap(app, kiosk: dict, when: datetime, overall: int, partial=False, **more) -> None:
    """A kiosk survey of a past day (the API takes a week at most): stored by the submission
    service the API calls, at the kiosk's place."""
    with app.test_request_context():
        where = surveys.Where(
            channel=ResponseChannel.KIOSK,
            kiosk=surveys.kiosk_place(kiosk["token"]),
            max_age_days=100_000,
        )
        payload = {
            "client_uuid": str(uuid.uuid4()),
            "instrument": instruments.active_instrument().label,
            "answers": {"overall": overall, **more},
            "partial": partial,
            "answered_at": when.replace(tzinfo=LOCAL_TZ).isoformat(),
        }
        _reply, created = surveys.submit(payload, where)
        assert created
        db.session.commit()


def old_walk_away(app, kiosk: dict, day: date, count: int = 1) -> None:
    with app.app_context():
        for _ in range(count):
            db.session.add(
                KioskAbandon(client_uuid=str(uuid.uuid4()), kiosk_id=kiosk["id"], day=day)
            )
        db.session.commit()


def summary(client, period: str, unit: str = "009", lang: str = "vi") -> dict:
    response = client.get(f"/api/v1/reports/summary?period={period}&unit={unit}&lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def reasons_of(figures: dict) -> dict[str, tuple]:
    """code → (count, pct_of_low) of a reasons figure."""
    return {i["code"]: (i["count"], i["pct_of_low"]) for i in figures["reasons"]["items"]}


def child(s: dict, code: str) -> dict:
    return next(c for c in s["children"] if c["unit"]["code"] == code)


@pytest.fixture
def waiting_at_a(app, client, kiosks) -> dict:
    """This month: ward A's citizens who rated low mostly waited too long; ward B's found the
    staff's attitude poor. Ward A: 8 low ratings (8 × wait_time, 2 × procedure), 4 high; ward
    B: 5 low ratings (1 × wait_time, 3 × attitude, one without a reason), 5 high."""
    for _ in range(6):
        tap(client, kiosks["a"], 1, ["wait_time"])
    for _ in range(2):
        tap(client, kiosks["a"], 2, ["wait_time", "procedure"])
    for _ in range(4):
        tap(client, kiosks["a"], 5)
    tap(client, kiosks["b"], 2, ["wait_time"])
    for _ in range(3):
        tap(client, kiosks["b"], 1, ["attitude"])
    tap(client, kiosks["b"], 2, [])
    for _ in range(5):
        tap(client, kiosks["b"], 4)
    return kiosks


def test_reasons_are_counted_per_unit_and_ward_and_one_wards_waiting_stands_out(
    app, reform, waiting_at_a
):
    s = summary(reform, this_month())
    assert s["reasons"]["low_ratings"] == 13
    assert [i["code"] for i in s["reasons"]["items"]] == REASON_CODES
    district = reasons_of(s)
    assert district["wait_time"] == (9, 69.2)  # 9 of 13
    assert district["attitude"] == (3, 23.1)
    assert district["procedure"] == (2, 15.4)
    assert district["guidance"] == (0, 0.0)
    ward_a, ward_b = child(s, "00343"), child(s, "00346")
    assert ward_a["reasons"]["low_ratings"] == 8 and ward_b["reasons"]["low_ratings"] == 5
    assert reasons_of(ward_a)["wait_time"] == (8, 100.0)
    assert reasons_of(ward_a)["procedure"] == (2, 25.0)
    assert reasons_of(ward_b)["wait_time"] == (1, 20.0)
    assert reasons_of(ward_b)["attitude"] == (3, 60.0)
    labels = {i["code"]: i["label"] for i in s["reasons"]["items"]}
    assert labels["wait_time"] == "Thời gian chờ"
    english = summary(reform, this_month(), lang="en")
    assert {i["code"]: i["label"] for i in english["reasons"]["items"]}["wait_time"] == (
        "Waiting time"
    )
    # Reasons are no question's figures: every rating question keeps its meaning.
    assert "reasons" not in s["questions"]
    assert s["questions"]["overall"]["n"] == 22 and s["responses"] == 22
    assert s["qd766"]["5.4"]["pct"] is None


def test_each_desk_of_the_unit_has_its_reasons(app, reform, waiting_at_a):
    (desk,) = summary(reform, this_month(), unit="00343")["desks"]
    assert desk["reasons"]["low_ratings"] == 8
    assert reasons_of(desk)["wait_time"] == (8, 100.0)
    assert desk["kiosk"]["completed"] == 12
    (district_desk,) = summary(reform, this_month())["desks"]  # the district's own desk
    assert district_desk["reasons"]["low_ratings"] == 0
    assert district_desk["kiosk"] == {
        "started": 0,
        "completed": 0,
        "partial": 0,
        "abandoned": 0,
        "completion_pct": None,
    }


def test_too_few_low_ratings_show_no_reason_figure(app, reform, kiosks, client):
    for _ in range(4):
        tap(client, kiosks["a"], 1, ["wait_time"])
    tap(client, kiosks["b"], 2, ["wait_time"])
    s = summary(reform, this_month())
    # The district's 5 low ratings are enough; each ward's are not.
    assert reasons_of(s)["wait_time"] == (5, 100.0)
    ward_a = child(s, "00343")
    assert ward_a["reasons"]["low_ratings"] == 4
    assert set(reasons_of(ward_a).values()) == {(None, None)}
    assert set(reasons_of(child(s, "00346")).values()) == {(None, None)}
    body = page(reform.get(f"/reports/summary?period={this_month()}&unit=00343&lang=vi"))
    assert translated("not enough responses") in body


def test_the_page_shows_the_reasons_of_each_ward(app, reform, waiting_at_a):
    body = page(reform.get(f"/reports/summary?period={this_month()}&unit=009&lang=vi"))
    assert translated("Reasons given with a low rating") in body
    assert "Thời gian chờ" in body
    assert "100,0% (8)" in body  # ward A's waiting
    assert "69,2% (9)" in body  # the district's
    assert "/reports/summary/charts/reasons.png" in body
    chart = reform.get(f"/reports/summary/charts/reasons.png?period={this_month()}&unit=009")
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")
    english = page(reform.get(f"/reports/summary?period={this_month()}&unit=009&lang=en"))
    assert "Waiting time" in english and "100.0% (8)" in english


def test_partial_and_abandoned_surveys_make_the_completion_figures(app, reform, kiosks, client):
    rated = {"f1_access": 4, "f2_procedure": 4, "f3_officer": 5, "f4_result": 4}
    for _ in range(5):
        tap(client, kiosks["a"], 5, **rated)
    for _ in range(3):
        tap(client, kiosks["a"], 2, [], partial=True)
    tap(client, kiosks["a"], 4, partial=True, f1_access=2)
    for _ in range(2):
        walk_away(client, kiosks["a"])
    walk_away(client, kiosks["a"], invited=True)
    walk_away(client, kiosks["b"])
    s = summary(reform, this_month(), unit="00343")
    # A partial response counts in `responses` and in each question it answered.
    assert s["responses"] == 9
    assert s["questions"]["overall"]["n"] == 9
    assert s["questions"]["f1_access"]["n"] == 6
    assert s["questions"]["f3_officer"]["n"] == 5
    assert s["kiosk"] == {
        "started": 12,
        "completed": 5,
        "partial": 4,
        "abandoned": 3,
        "completion_pct": 41.7,
    }
    district = summary(reform, this_month())
    assert district["kiosk"]["abandoned"] == 4 and district["kiosk"]["started"] == 13
    assert child(district, "00346")["kiosk"] == {
        "started": 1,
        "completed": 0,
        "partial": 0,
        "abandoned": 1,
        "completion_pct": 0.0,
    }
    body = page(reform.get(f"/reports/summary?period={this_month()}&unit=00343&lang=en"))
    assert "41.7%: 5 of 12 surveys begun were finished" in body


def test_burst_flagged_and_other_channels_stay_out_of_the_completion(app, reform, kiosks, client):
    for _ in range(2):
        tap(client, kiosks["a"], 5)
    tap(client, kiosks["a"], 5, partial=True)
    with app.app_context():
        flagged = db.session.query(Response).filter(Response.partial.is_(True)).one()
        flagged.suspicious = True
        db.session.commit()
    s = summary(reform, this_month(), unit="00343")
    assert s["kiosk"]["completed"] == 2 and s["kiosk"]["partial"] == 0
    assert s["suspicious"] == 1


def test_completion_is_compared_with_the_previous_period_and_survives_a_rebuild(
    app, runner, reform, kiosks
):
    for _ in range(3):
        old_tap(app, kiosks["a"], datetime(2026, 2, 10, 9), 5)
    old_tap(app, kiosks["a"], datetime(2026, 2, 11, 9), 1, partial=True)
    old_walk_away(app, kiosks["a"], date(2026, 2, 12))
    assert summary(reform, "2026-02")["kiosk"]["partial"] == 1  # folds February's now
    for _ in range(4):
        old_tap(app, kiosks["a"], datetime(2026, 3, 10, 9), 4)
    old_tap(app, kiosks["a"], datetime(2026, 3, 31, 23, 30), 2, partial=True, reasons=["other"])
    old_walk_away(app, kiosks["a"], date(2026, 3, 31), count=3)
    old_walk_away(app, kiosks["a"], date(2026, 4, 1))  # the next month
    first = summary(reform, "2026-03")
    assert first["kiosk"] == {
        "started": 8,
        "completed": 4,
        "partial": 1,
        "abandoned": 3,
        "completion_pct": 50.0,
    }
    assert first["previous"]["kiosk"]["completion_pct"] == 60.0  # 3 of 5
    assert first["changes"]["kiosk"]["completion_pct"] == -10.0
    # Folded in two steps above; now counted again from scratch.
    result = runner.invoke(args=["reports", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert summary(reform, "2026-03") == first


def test_the_cli_files_carry_the_reasons_and_completion(
    app, runner, reform, district, waiting_at_a, client, tmp_path
):
    tap(client, waiting_at_a["a"], 1, ["wait_time"], partial=True)
    walk_away(client, waiting_at_a["b"])
    period = this_month()
    args = ["reports", "summary", "--period", period, "--unit", "009"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reasons"] == summary(reform, period)["reasons"]
    assert data["kiosk"]["partial"] == 1 and data["kiosk"]["abandoned"] == 1

    def run(fmt: str, target) -> bytes:
        outcome = runner.invoke(args=[*args, "--format", fmt, "--output", str(target)])
        assert outcome.exit_code == 0, outcome.output
        return target.read_bytes()

    folder = tmp_path
    rows = list(csv.reader(io.StringIO(run("csv", folder / "s.csv").decode("utf-8-sig"))))
    values = {(row[0], row[3]): row[4] for row in rows[1:]}
    assert values[("009", "reasons.low_ratings")] == "14"
    assert values[("009", "reasons.wait_time.count")] == "10"
    assert values[("009", "reasons.wait_time.pct_of_low")] == "71.4"
    assert values[("00343", "reasons.wait_time.pct_of_low")] == "100.0"
    assert values[("00346", "reasons.attitude.pct_of_low")] == "60.0"
    assert values[("009", "kiosk.partial")] == "1"
    assert values[("009", "kiosk.abandoned")] == "1"
    assert values[("009", "kiosk.completion_pct")] == "91.7"  # 22 of 24
    desk = f"desk.{district['desk_district']}"  # the district's own desk: nothing rated there
    assert values[("009", f"{desk}.kiosk.started")] == "0"
    assert values[("009", f"{desk}.reasons.wait_time.count")] == "chưa đủ số phiếu"

    book = load_workbook(io.BytesIO(run("xlsx", folder / "s.xlsx")))
    sheet = [row for row in book["Lý do chưa hài lòng"].iter_rows(values_only=True)]
    header = next(row for row in sheet if row and row[0] == "Mã đơn vị")
    ward_a = next(row for row in sheet if row and row[0] == "00343")
    column = header.index("Thời gian chờ: % trên số đánh giá 1–2")
    assert ward_a[column] == 100.0 and ward_a[column - 1] == 9
    kiosk_sheet = [row for row in book["Máy tính bảng"].iter_rows(values_only=True)]
    district = next(row for row in kiosk_sheet if row and row[0] == "009")
    assert list(district[2:7]) == [24, 22, 1, 1, 91.7]

    document = Document(io.BytesIO(run("docx", folder / "s.docx")))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    assert "Thời gian chờ" in text and "71,4%" in text
    assert "tỷ lệ hoàn thành 91,7%" in text
