"""The XLSX annex: opened with openpyxl, every figure is the summary's, stored as a number."""

import copy
from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from feedback_app.reports import xlsx
from feedback_app.reports.xlsx import VIETNAMESE as VI
from feedback_app.reports.xlsx import workbook
from tests.reports.reasons_support import reasons_figure

SUPPRESSED = "chưa đủ số phiếu"


def _period(label, start, end, title, official=False):
    return {
        "label": label,
        "start": start,
        "end": end,
        "title": title,
        "tt01_official": official,
        "spans_reform": False,
    }


def _withheld(n):
    """A question below the smallest cell: n given, every other figure withheld."""
    return {"n": n, "mean": None, "satisfied_pct": None, "ci95": None, "levels": None}


def _tt01(**values):
    return {str(n): values.get(f"i{n}") for n in range(1, 10)}


def _unit_figures(code, name, period, *, dossiers=True):
    """One unit's figures for one period, trimmed from a real 2026-H1 summary of district 009."""
    return {
        "period": period,
        "unit": {"code": code, "name": name},
        "responses": 6844,
        "suspicious": 41,
        "satisfaction_index": 78.5,
        "satisfaction_ci95": [77.6, 79.4],
        "overall_satisfied_pct": 82.9,
        "factors": {
            "F1": {"index": 75.0, "n": 6683},
            "F2": {"index": 81.2, "n": 6684},
            "F3": {"index": 82.8, "n": 6844},
            "F4": {"index": 80.1, "n": 6672},
            "F5": {"index": None, "n": 3},
        },
        "questions": {
            "f1_access": {
                "n": 6683,
                "mean": 4.05,
                "satisfied_pct": 75.0,
                "ci95": [73.9, 76.0],
                "levels": {"1": 20, "2": 216, "3": 1437, "4": 2749, "5": 2261},
            },
            "f5_feedback": _withheld(3),
            "tt01_returns": {
                "n": 5469,
                "mean": 1.61,
                "satisfied_pct": None,
                "ci95": None,
                "levels": {"none": 3823, "once": 1143, "more": 503},
            },
            "overall": {
                "n": 6844,
                "mean": 4.24,
                "satisfied_pct": 82.9,
                "ci95": [82.0, 83.8],
                "levels": {"1": 16, "2": 155, "3": 1001, "4": 2671, "5": 3001},
            },
        },
        "channels": {"kiosk": 5339, "paper": 965, "web": 540, "sms": 0, "ivr": 0},
        "tt01": _tt01(i3=1.6, i4=1.6),
        "coverage_pct": 23.0 if dossiers else None,
        "tt01_total": {
            "score": 3.2,
            "max": 4,
            "band": None,
            "missing": [1, 2, 5, 6, 7, 8, 9],
            "official": False,
        },
        "qd766": {
            "5.2": {"pct": 82.2, "points": 4.93, "max": 6},
            "5.3": {"pct": 76.4, "points": 4.58, "max": 6},
            "5.4": {"pct": 94.1, "points": 6.0, "max": 6}
            if dossiers
            else {"pct": None, "points": None, "max": 6},
        },
        "cases": {
            "received": 323,
            "answered": 286,
            "answered_on_time_pct": 90.6,
            "overdue": 26,
            "forwarded": 11,
            "rejected": 11,
            "verdicts": {"hai_long": 92, "khong_hai_long": 11},
            "by_channel": {"book": 36, "box": 57, "hotline_sms": 42, "walk_in": 57},
            "by_kind": {"praise": 70, "feedback": 97, "complaint": 4},
        },
        "hotline": {"calls": 67, "missed": 19, "voicemails": 19, "sms": 42, "callbacks_pending": 0},
        "paper": {"box_openings": 72, "slips_counted": 66, "slips_entered": 57, "book_entries": 36},
        "dossiers": {
            "received": 33012,
            "resolved": 29794,
            "on_time_pct": 96.6,
            "late": 1008,
            "pending_overdue": 30,
        }
        if dossiers
        else None,
    }


THIS = _period("2026-H1", "2026-01-01", "2026-06-30", "6 tháng đầu năm 2026")
LAST = _period("2025-H2", "2025-07-01", "2025-12-31", "6 tháng cuối năm 2025")


def _summary(*, dossiers=True, unit_name="Quận Thanh Xuân", officers=True):
    """The summary object: the district, its previous period, two wards (one too small to
    show), one desk with its counters and (when asked) officers."""
    s = _unit_figures("009", unit_name, THIS, dossiers=dossiers)
    s["previous"] = _unit_figures("009", unit_name, LAST, dossiers=dossiers)
    s["previous"].update(responses=7177, satisfaction_index=77.9, overall_satisfied_pct=81.9)
    s["previous"]["questions"]["f5_feedback"] = {
        "n": 5923,
        "mean": 3.99,
        "satisfied_pct": 72.5,
        "ci95": [71.3, 73.6],
        "levels": {"1": 12, "2": 248, "3": 1371, "4": 2454, "5": 1838},
    }
    s["changes"] = {
        "satisfaction_index": 0.6,
        "responses": -333,
        "questions": {"overall": {"satisfied_pct": 1.0, "significant": False}},
    }
    ward = _unit_figures("00373", "Phường Hạ Đình", THIS)
    ward.update(responses=602, satisfaction_index=82.4, satisfaction_ci95=[79.5, 85.0])
    ward["questions"]["f1_access"]["levels"] = {"1": 0, "2": 15, "3": 108, "4": 237, "5": 231}
    ward["previous"] = _unit_figures("00373", "Phường Hạ Đình", LAST)
    ward["previous"]["satisfaction_index"] = 80.1
    ward["changes"] = {"satisfaction_index": 2.3, "responses": -12, "questions": {}}
    small = _unit_figures("LOCAL-KG", "Phường Kim Giang", THIS, dossiers=False)
    small.update(
        responses=3,
        satisfaction_index=None,
        satisfaction_ci95=None,
        overall_satisfied_pct=None,
        questions={code: _withheld(3) for code in ward["questions"]},
    )
    s["children"] = [ward, small]
    desk = {
        "id": 1,
        "name": "Bộ phận Một cửa quận Thanh Xuân",
        "counters": [
            {
                "id": 1,
                "name": "1",
                "responses": 512,
                "satisfaction_index": 75.5,
                "overall_satisfied_pct": 82.0,
            }
        ],
    }
    if officers:
        desk["officers"] = [
            {
                "id": 1,
                "name": "Nguyễn Thị Lan",
                "responses": 418,
                "satisfaction_index": 76.2,
                "overall_satisfied_pct": 81.1,
                "tt01": _tt01(i3=1.6, i4=1.5),
                "tt01_total": {
                    "score": 3.1,
                    "max": 4,
                    "band": None,
                    "missing": [1, 2, 7],
                    "official": False,
                },
            },
            {
                "id": 2,
                "name": "Trần Văn Minh",
                "responses": 2,
                "satisfaction_index": None,
                "overall_satisfied_pct": None,
                "tt01": _tt01(),
                "tt01_total": {
                    "score": 0,
                    "max": 0,
                    "band": None,
                    "missing": [1, 2, 3, 4, 7],
                    "official": False,
                },
            },
        ]
    s["desks"] = [desk]
    return copy.deepcopy(s)


def _open(data: bytes):
    return load_workbook(BytesIO(data))


def _row(ws, column: int, value):
    """The first row whose cell in `column` holds `value`."""
    for row in ws.iter_rows():
        if row[column - 1].value == value:
            return row
    raise AssertionError(f"no row with {value!r} in column {column} of {ws.title}")


def _header(ws, first_label: str) -> tuple[int, dict[str, int]]:
    """The header row starting with `first_label`: its number and each label's column."""
    row = _row(ws, 1, first_label)
    return row[0].row, {cell.value: cell.column for cell in row if cell.value is not None}


def _overview_value(ws, label: str, column: int = 2):
    return _row(ws, 1, label)[column - 1]


def test_index_cell_is_the_summary_figure_stored_as_a_number():
    s = _summary()
    ws = _open(workbook(s))[VI["sheets"]["overview"]]
    index = _overview_value(ws, VI["rows"]["satisfaction_index"])
    assert index.value == s["satisfaction_index"]
    assert index.data_type == "n"
    assert index.number_format == "0.0"
    previous = _overview_value(ws, VI["rows"]["satisfaction_index"], 3)
    assert previous.value == s["previous"]["satisfaction_index"]
    change = _overview_value(ws, VI["rows"]["satisfaction_index"], 4)
    assert change.value == s["changes"]["satisfaction_index"]
    responses = _overview_value(ws, VI["rows"]["responses"])
    assert (responses.value, responses.number_format) == (s["responses"], "#,##0")
    assert _overview_value(ws, VI["rows"]["ci_low"]).value == s["satisfaction_ci95"][0]
    assert _overview_value(ws, VI["rows"]["ci_high"]).value == s["satisfaction_ci95"][1]
    points = _overview_value(ws, VI["rows"]["qd766_points"].format(code="5.2"))
    assert (points.value, points.number_format) == (s["qd766"]["5.2"]["points"], "0.00")


def test_suppressed_factor_reads_not_enough_responses_and_its_n_is_kept():
    s = _summary()
    ws = _open(workbook(s))[VI["sheets"]["overview"]]
    f5 = VI["factors"]["F5"]
    assert _overview_value(ws, VI["rows"]["factor_index"].format(factor=f5)).value == SUPPRESSED
    assert _overview_value(ws, VI["rows"]["factor_n"].format(factor=f5)).value == 3
    f1 = VI["factors"]["F1"]
    assert _overview_value(ws, VI["rows"]["factor_index"].format(factor=f1)).value == 75.0


def test_tt01_rows_name_missing_indices_and_say_reference_after_the_reform():
    s = _summary()
    ws = _open(workbook(s))[VI["sheets"]["overview"]]
    label = VI["rows"]["tt01_index"].format(number="3", name=VI["tt01_indices"]["3"])
    assert _overview_value(ws, label).value == 1.6
    assert _overview_value(ws, VI["rows"]["tt01_band"]).value == (
        "chưa đủ 9 chỉ số (thiếu: 1, 2, 5, 6, 7, 8, 9)"
    )
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("tham chiếu TT 01/2018 (nội bộ)" in text for text in texts)

    s["period"]["tt01_official"] = True
    s["tt01_total"].update(band="good", missing=[])
    ws = _open(workbook(s))[VI["sheets"]["overview"]]
    assert _overview_value(ws, VI["rows"]["tt01_band"]).value == "Tốt"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("tham chiếu TT 01/2018 (nội bộ)" in text for text in texts)


def test_each_ward_row_copies_its_child():
    s = _summary()
    ws = _open(workbook(s))[VI["sheets"]["wards"]]
    header, columns = _header(ws, VI["wards_header"][0])
    for child in s["children"]:
        row = _row(ws, 1, child["unit"]["code"])
        assert row[0].row > header
        cell = row[columns["Chỉ số hài lòng (%)"] - 1]
        if child["satisfaction_index"] is None:
            assert cell.value == SUPPRESSED
            assert row[columns["KTC 95%: cận dưới"] - 1].value == SUPPRESSED
        else:
            assert cell.value == child["satisfaction_index"]
            assert cell.number_format == "0.0"
            assert row[columns["KTC 95%: cận trên"] - 1].value == child["satisfaction_ci95"][1]
        assert row[columns["Số phiếu"] - 1].value == child["responses"]
    ward = _row(ws, 1, "00373")
    assert ward[columns["Chỉ số kỳ trước (%)"] - 1].value == 80.1
    assert ward[columns["Thay đổi"] - 1].value == 2.3


def test_question_level_counts_equal_levels_and_withheld_ones_say_so():
    s = _summary()
    texts = {
        "f1_access": "Việc tiếp cận Bộ phận Một cửa",
        "tt01_returns": {"text": "Số lần phải đi lại", "factor": ""},
        "f5_feedback": {"text": "Việc tiếp nhận góp ý", "factor": "F5"},  # question_info shape
    }
    ws = _open(workbook(s, question_texts=texts))[VI["sheets"]["questions"]]
    _, columns = _header(ws, VI["questions_header"][0])
    for code, q in s["questions"].items():
        row = _row(ws, 1, code)
        if q["levels"] is None:
            continue
        for level, count in q["levels"].items():
            cell = row[columns[VI["likert"].get(level, level)] - 1]
            assert (cell.value, cell.number_format) == (count, "#,##0")
    access = _row(ws, 1, "f1_access")
    assert access[1].value == texts["f1_access"]
    assert access[columns["Điểm trung bình"] - 1].value == 4.05
    assert access[columns["Điểm trung bình"] - 1].number_format == "0.00"
    assert _row(ws, 1, "overall")[1].value == "overall"  # no text given: the code
    assert _row(ws, 1, "f5_feedback")[2].value == VI["factors"]["F5"]
    assert _row(ws, 1, "tt01_returns")[1].value == "Số lần phải đi lại"
    withheld = _row(ws, 1, "f5_feedback")
    assert withheld[columns["Số trả lời"] - 1].value == 3
    for label in ("Điểm trung bình", "Tỷ lệ hài lòng (%)", "Rất hài lòng (5)"):
        assert withheld[columns[label] - 1].value == SUPPRESSED
    # withheld in its own (Likert) columns only: the previous period shows which they are
    assert withheld[columns["none"] - 1].value is None


def test_officers_sheet_only_when_asked_and_the_summary_has_officers():
    assert VI["sheets"]["officers"] not in _open(workbook(_summary())).sheetnames
    without = _summary(officers=False)
    assert VI["sheets"]["officers"] not in _open(workbook(without, officers=True)).sheetnames

    s = _summary()
    ws = _open(workbook(s, officers=True))[VI["sheets"]["officers"]]
    assert ws["A1"].value == "Nội bộ – không công bố"
    _, columns = _header(ws, VI["officers_header"][0])
    lan = _row(ws, columns["Cán bộ"], "Nguyễn Thị Lan")
    assert lan[columns["Chỉ số hài lòng (%)"] - 1].value == 76.2
    assert lan[columns["Điểm TT 01 (cán bộ)"] - 1].value == 3.1
    minh = _row(ws, columns["Cán bộ"], "Trần Văn Minh")
    assert minh[columns["Chỉ số hài lòng (%)"] - 1].value == SUPPRESSED


def test_formula_like_text_stays_text_everywhere():
    s = _summary(unit_name="+cmd")
    s["children"][0]["unit"]["name"] = "-2+3"
    comments = [
        {
            "received_at": datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            "unit": "@SUM(A1)",
            "desk": "Bộ phận Một cửa",
            "rating": 1,
            "text": '=HYPERLINK("http://x")',
            "case_code": None,
        }
    ]
    book = _open(workbook(s, comments=comments, officers=True))
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    ws = book[VI["sheets"]["comments"]]
    _, columns = _header(ws, VI["comments_header"][0])
    assert _row(ws, columns["Nội dung ý kiến"], '\'=HYPERLINK("http://x")')
    assert _row(ws, columns["Đơn vị"], "'@SUM(A1)")
    assert _row(book[VI["sheets"]["wards"]], 2, "'-2+3")
    overview = book[VI["sheets"]["overview"]]
    assert overview["A2"].value.startswith("Đơn vị: +cmd")  # inside a sentence: harmless


def test_comments_keep_their_order_with_local_time_and_numeric_rating():
    comments = [
        {
            "received_at": datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            "unit": "Phường Hạ Đình",
            "desk": "Bộ phận Một cửa phường Hạ Đình",
            "rating": 2,
            "text": "Chờ lâu, số điện thoại 09******12",
            "case_code": "TX-0001",
        },
        {
            "received_at": "2026-03-01T10:00:00",
            "unit": "Phường Kim Giang",
            "desk": "Bộ phận Một cửa phường Kim Giang",
            "rating": None,
            "text": "Cảm ơn",
            "case_code": None,
        },
    ]
    ws = _open(workbook(_summary(), comments=comments))[VI["sheets"]["comments"]]
    header, columns = _header(ws, VI["comments_header"][0])
    first = ws[header + 1]
    assert first[0].value == datetime(2026, 3, 2, 8, 30)  # Vietnam time, UTC+7
    assert first[columns["Đánh giá chung (1–5)"] - 1].value == 2
    assert first[columns["Mã phản ánh"] - 1].value == "TX-0001"
    second = ws[header + 2]
    assert second[columns["Nội dung ý kiến"] - 1].value == "Cảm ơn"
    assert second[columns["Đánh giá chung (1–5)"] - 1].value is None


def test_headers_frozen_bold_filtered_and_printed_on_every_page():
    book = _open(workbook(_summary(), officers=True))
    firsts = {
        VI["sheets"]["overview"]: VI["overview_header"][0],
        VI["sheets"]["wards"]: VI["wards_header"][0],
        VI["sheets"]["questions"]: VI["questions_header"][0],
        VI["sheets"]["officers"]: VI["officers_header"][0],
        VI["sheets"]["cases"]: VI["cases_header"][0],
        VI["sheets"]["comments"]: VI["comments_header"][0],
    }
    for name, label in firsts.items():
        ws = book[name]
        header, _ = _header(ws, label)
        assert ws.freeze_panes == f"A{header + 1}", name
        assert ws.print_title_rows is not None and ws.print_title_rows.endswith(f"${header}")
        assert ws.cell(row=header, column=1).font.b, name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{header}:"), name
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert book[VI["sheets"]["questions"]].page_setup.orientation == "landscape"
    # widths follow the content: the question-text column is wider than the code column
    questions = book[VI["sheets"]["questions"]]
    assert questions.column_dimensions["A"].width >= len("tt01_returns")
    assert questions.column_dimensions["A"].width <= xlsx.MAX_WIDTH


def test_dossier_sheet_copies_figures_and_says_when_there_are_none():
    s = _summary()
    ws = _open(workbook(s))[VI["sheets"]["dossiers"]]
    row = _row(ws, 1, "Kỳ này: 6 tháng đầu năm 2026")
    assert [c.value for c in row[1:6]] == [33012, 29794, 96.6, 1008, 30]
    assert ws.freeze_panes == f"A{row[0].row}"

    s = _summary(dossiers=False)
    book = _open(workbook(s))
    ws = book[VI["sheets"]["dossiers"]]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Chưa có số liệu hồ sơ" in values
    assert not any(isinstance(v, int | float) for v in values)
    overview = book[VI["sheets"]["overview"]]
    assert _overview_value(overview, VI["rows"]["coverage"]).value == "chưa có số liệu hồ sơ"
    label = VI["rows"]["qd766_pct"].format(code="5.4", name=VI["qd766"]["5.4"])
    assert _overview_value(overview, label).value == "chưa có số liệu hồ sơ"


def test_cases_sheet_labels_channels_and_kinds_in_vietnamese():
    s = _summary()
    s["previous"]["cases"]["by_channel"] = {"box": 63}
    ws = _open(workbook(s))[VI["sheets"]["cases"]]
    assert _row(ws, 1, VI["cases"]["received"])[1].value == 323
    assert _row(ws, 1, VI["cases"]["answered_on_time_pct"])[1].number_format == "0.0"
    assert [c.value for c in _row(ws, 1, "Hòm thư góp ý")[1:3]] == [57, 63]
    assert [c.value for c in _row(ws, 1, "Tin nhắn SMS")[1:3]] == [42, 0]
    assert _row(ws, 1, "Khiếu nại")[1].value == 4
    assert _row(ws, 1, VI["verdicts"]["khong_hai_long"])[1].value == 11


def test_sheet_names_and_properties():
    book = _open(workbook(_summary(), officers=True))
    assert book.sheetnames == list(VI["sheets"].values())
    for name in book.sheetnames:
        assert len(name) <= 31 and not set(name) & set("\\/?*[]:")
    assert book.properties.creator == "feedback-app"
    assert "Quận Thanh Xuân" in book.properties.title


@pytest.mark.parametrize("missing", ["satisfaction_ci95", "changes"])
def test_keys_being_added_may_be_absent(missing):
    s = _summary()
    for part in (s, *s["children"]):
        part.pop(missing, None)
    book = _open(workbook(s))
    ws = book[VI["sheets"]["wards"]]
    _, columns = _header(ws, VI["wards_header"][0])
    row = _row(ws, 1, "00373")
    assert row[columns["Chỉ số hài lòng (%)"] - 1].value == 82.4


# --- reasons behind low ratings, kiosk completion (issue 15) ---------------------------------


def test_reasons_sheet_has_a_count_and_a_share_per_reason_and_withholds_small_cells():
    s = _summary()
    s["reasons"] = reasons_figure(40, {"attitude": 10, "wait_time": 30})
    s["children"][0]["reasons"] = reasons_figure(3, {})
    ws = _open(workbook(s, reason_labels={"wait_time": "Chờ lâu"}))[VI["sheets"]["reasons"]]
    _, columns = _header(ws, "Mã đơn vị")
    district = _row(ws, 1, "009")
    assert district[columns["Số đánh giá 1–2"] - 1].value == 40
    assert district[columns["Chờ lâu: số lượt chọn"] - 1].value == 30
    share = district[columns["Chờ lâu: % trên số đánh giá 1–2"] - 1]
    assert share.value == 75.0 and share.number_format == "0.0"
    small = _row(ws, 1, s["children"][0]["unit"]["code"])
    assert small[columns["Thái độ: số lượt chọn"] - 1].value == "chưa đủ số phiếu"


def test_kiosk_rows_in_the_overview_and_their_own_sheet():
    s = _summary()
    s["kiosk"] = {
        "started": 120,
        "completed": 102,
        "partial": 10,
        "abandoned": 8,
        "completion_pct": 85.0,
    }
    s["previous"]["kiosk"] = {**s["kiosk"], "completion_pct": 80.0}
    s["changes"]["kiosk"] = {"completion_pct": 5.0}
    book = _open(workbook(s))
    row = _row(book[VI["sheets"]["overview"]], 1, VI["kiosk"]["completion_pct"])
    assert [cell.value for cell in row[1:4]] == [85.0, 80.0, 5.0]
    sheet = book[VI["sheets"]["kiosk"]]
    assert [cell.value for cell in _row(sheet, 1, "009")[2:9]] == [120, 102, 10, 8, 85.0, 80.0, 5.0]


def test_without_reasons_or_kiosk_figures_the_sheets_say_so():
    book = _open(workbook(_summary()))
    assert _row(book[VI["sheets"]["reasons"]], 1, VI["no_reasons"])
    assert VI["kiosk"]["started"] not in [
        row[0] for row in book[VI["sheets"]["overview"]].iter_rows(values_only=True)
    ]
