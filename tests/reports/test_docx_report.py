"""The period report as a Vietnamese administrative document (NĐ 30/2020): opened with
python-docx and compared with the summary it was rendered from."""

import copy
import io
from datetime import date

import docx
import pytest
from docx.enum.text import WD_LINE_SPACING
from docx.shared import Pt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from feedback_app.reports.docx_report import document, place_date, vi_number
from tests.reports.reasons_support import reasons_figure

TODAY = date(2026, 7, 4)
ISSUER = {
    "above": "UBND Thành phố Hà Nội",
    "body": "UBND Quận Thanh Xuân",
    "symbol": "BC-UBND",
    "place": "Thanh Xuân",
    "signer_title": "TM. Ủy ban nhân dân\nChủ tịch",
    "signer_name": "Nguyễn Văn An",
    "recipients": ["UBND Thành phố Hà Nội", "Văn phòng UBND Thành phố;"],
}
QUESTION_TEXTS = {
    "f1_access": "Nơi tiếp đón thuận tiện",
    "f2_fees": "Phí, lệ phí đúng quy định",
    "f3_officer": "Công chức tận tình, chu đáo",
    "overall": "Mức độ hài lòng chung",
}
PERIOD = {
    "label": "2026-H1",
    "start": "2026-01-01",
    "end": "2026-06-30",
    "title": "6 tháng đầu năm 2026",
    "tt01_official": False,
    "spans_reform": False,
}
PREVIOUS_PERIOD = {
    "label": "2025-H2",
    "start": "2025-07-01",
    "end": "2025-12-31",
    "title": "6 tháng cuối năm 2025",
    "tt01_official": False,
    "spans_reform": False,
}


def _likert(n, mean, pct, ci, levels):
    return {"n": n, "mean": mean, "satisfied_pct": pct, "ci95": ci, "levels": levels}


def _child(name, responses, index, previous_index, change):
    """A ward as the summary gives it (trimmed to what the report reads)."""
    return {
        "period": PERIOD,
        "unit": {"code": name[:5], "name": name},
        "responses": responses,
        "satisfaction_index": index,
        "overall_satisfied_pct": index,
        "previous": {
            "period": PREVIOUS_PERIOD,
            "unit": {"code": name[:5], "name": name},
            "satisfaction_index": previous_index,
        },
        "changes": {"satisfaction_index": change, "responses": 0, "questions": {}},
    }


def build_summary() -> dict:
    """Quận Thanh Xuân, 2026-H1, trimmed from a real summary (demo data): one suppressed
    question (f2_fees) and one suppressed ward (Khương Mai), listed first on purpose."""
    summary = {
        "period": dict(PERIOD),
        "unit": {"code": "009", "name": "Quận Thanh Xuân"},
        "responses": 6844,
        "suspicious": 41,
        "satisfaction_index": 78.5,
        "overall_satisfied_pct": 82.9,
        "factors": {
            "F1": {"index": 75.0, "n": 6683},
            "F2": {"index": 81.2, "n": 6684},
            "F3": {"index": 82.8, "n": 6844},
        },
        "questions": {
            "f1_access": _likert(
                6683, 4.05, 75.0, [73.9, 76.0], {"1": 20, "2": 216, "3": 1437, "4": 2749, "5": 2261}
            ),
            "f2_fees": _likert(3, None, None, None, None),
            "f3_officer": _likert(
                6844, 4.25, 82.8, [81.9, 83.7], {"1": 21, "2": 161, "3": 996, "4": 2540, "5": 3126}
            ),
            "tt01_returns": {
                "n": 5469,
                "mean": 1.61,
                "satisfied_pct": None,
                "ci95": None,
                "levels": {"none": 3823, "once": 1143, "more": 503},
            },
            "overall": _likert(
                6844, 4.24, 82.9, [82.0, 83.7], {"1": 16, "2": 155, "3": 1001, "4": 2671, "5": 3001}
            ),
        },
        "channels": {"kiosk": 5339, "paper": 965, "web": 540, "sms": 0, "ivr": 0},
        "by_channel": {
            "kiosk": {"responses": 5339, "satisfaction_index": 78.3, "overall_satisfied_pct": 82.8},
            "paper": {"responses": 965, "satisfaction_index": 79.3, "overall_satisfied_pct": 83.6},
            "web": {"responses": 540, "satisfaction_index": 78.9, "overall_satisfied_pct": 82.4},
        },
        "coverage_pct": 23.0,
        "tt01": {str(n): None for n in range(1, 10)} | {"3": 1.6, "4": 1.6},
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
            "5.4": {"pct": 94.1, "points": 6.0, "max": 6},
        },
        "cases": {
            "received": 323,
            "answered": 286,
            "answered_on_time_pct": 90.6,
            "overdue": 26,
            "forwarded": 11,
            "rejected": 11,
            "verdicts": {"hai_long": 92, "khong_hai_long": 11},
            "by_channel": {"book": 36, "box": 57, "hotline_call": 23, "walk_in": 57},
            "by_kind": {"praise": 70, "feedback": 97, "proposal": 48},
        },
        "hotline": {"calls": 67, "missed": 19, "voicemails": 19, "sms": 42, "callbacks_pending": 0},
        "paper": {"box_openings": 72, "slips_counted": 66, "slips_entered": 57, "book_entries": 36},
        "dossiers": {
            "received": 33012,
            "resolved": 29794,
            "on_time_pct": 96.6,
            "late": 1008,
            "pending_overdue": 30,
        },
        "previous": {
            "period": dict(PREVIOUS_PERIOD),
            "unit": {"code": "009", "name": "Quận Thanh Xuân"},
            "responses": 7177,
            "satisfaction_index": 77.9,
            "overall_satisfied_pct": 81.9,
            "factors": {"F1": {"index": 74.6, "n": 6999}},
            "cases": {"received": 363},
            "dossiers": {
                "received": 34055,
                "resolved": 30682,
                "on_time_pct": 96.7,
                "late": 1017,
                "pending_overdue": 31,
            },
        },
        "changes": {
            "satisfaction_index": 0.6,
            "responses": -333,
            "questions": {
                "f1_access": {"satisfied_pct": 0.4, "significant": False},
                "f2_fees": {"satisfied_pct": None, "significant": None},
                "f3_officer": {"satisfied_pct": 0.4, "significant": False},
                "tt01_returns": {"satisfied_pct": None, "significant": None},
                "overall": {"satisfied_pct": 1.0, "significant": False},
            },
        },
        "children": [
            _child("Phường Khương Mai", 3, None, 78.9, None),
            _child("Phường Hạ Đình", 602, 82.4, 82.4, 0.0),
            _child("Phường Nhân Chính", 415, 64.2, 66.3, -2.1),
            _child("Phường Kim Giang", 411, 92.6, 93.1, -0.5),
        ],
        "desks": [
            {
                "id": 1,
                "name": "Bộ phận Một cửa quận Thanh Xuân",
                "counters": [],
                "officers": [
                    {
                        "id": 1,
                        "name": "Nguyễn Thị Lan",
                        "responses": 418,
                        "satisfaction_index": 76.2,
                        "overall_satisfied_pct": 81.1,
                        "tt01_total": {"score": 3.1, "max": 4, "band": None, "missing": [1, 2, 7]},
                    },
                    {
                        "id": None,
                        "name": "",
                        "responses": 4,
                        "satisfaction_index": None,
                        "overall_satisfied_pct": None,
                        "tt01_total": {"score": None, "max": 0, "band": None, "missing": [1]},
                    },
                ],
            }
        ],
    }
    return copy.deepcopy(summary)


@pytest.fixture
def summary():
    return build_summary()


@pytest.fixture(scope="module")
def png():
    """A tiny real PNG, drawn the way the charts module draws (Figure + Agg, no pyplot)."""
    figure = Figure(figsize=(1.5, 1.0), dpi=50)
    FigureCanvasAgg(figure)
    figure.add_subplot().bar([0, 1], [3, 5])
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def render(summary, **options):
    options.setdefault("issuer", ISSUER)
    options.setdefault("today", TODAY)
    options.setdefault("question_texts", QUESTION_TEXTS)
    return docx.Document(io.BytesIO(document(summary, **options)))


def body_texts(doc) -> list[str]:
    return [paragraph.text for paragraph in doc.paragraphs]


def all_text(doc) -> str:
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(body_texts(doc) + cells)


def table_headed(doc, first_header: str, second_header: str):
    """The data table whose header row starts with these two cells."""
    for table in doc.tables:
        header = [cell.text for cell in table.rows[0].cells]
        if header[:2] == [first_header, second_header]:
            return table
    raise AssertionError(f"no table headed {first_header!r}, {second_header!r}")


def rows_of(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows[1:]]


# --- numbers and dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "suffix", "expected"),
    [
        (85.3, 1, "%", "85,3%"),
        (33012, 0, "", "33.012"),
        (1234567.891, 2, "", "1.234.567,89"),
        (-0.6, 1, "", "-0,6"),
        (None, 1, "%", "chưa đủ số phiếu"),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value, places, suffix, expected):
    assert vi_number(value, places, suffix) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
        (date(2026, 12, 14), "ngày 14 tháng 12 năm 2026"),
        (date(2026, 1, 20), "ngày 20 tháng 01 năm 2026"),
        # Only January and February take the zero: March is "tháng 3".
        (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
    ],
)
def test_place_date_line_follows_the_leading_zero_rule(summary, on, expected):
    assert place_date("Thanh Xuân", on) == f"Thanh Xuân, {expected}"
    header = render(summary, today=on).tables[0]
    dated = header.rows[1].cells[1].paragraphs[0]
    assert dated.text == f"Thanh Xuân, {expected}"
    assert all(run.italic for run in dated.runs)


# --- layout of NĐ 30/2020 --------------------------------------------------------------------


def test_header_table_carries_issuer_and_national_heading(summary):
    header = render(summary).tables[0]
    names, national = header.rows[0].cells
    assert [p.text for p in names.paragraphs if p.text] == [
        "UBND THÀNH PHỐ HÀ NỘI",
        "UBND QUẬN THANH XUÂN",
    ]
    issuing = names.paragraphs[1]
    assert issuing.runs[0].bold and not names.paragraphs[0].runs[0].bold
    assert [p.text for p in national.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert all(p.runs[0].bold for p in national.paragraphs if p.text)
    # A rule (a bottom border) under the issuing body and under the Tiêu ngữ.
    for cell in (names, national):
        assert cell.paragraphs[-1]._p.pPr.find(docx.oxml.ns.qn("w:pBdr")) is not None
    number = header.rows[1].cells[0].text
    assert number.startswith("Số:") and number.endswith("/BC-UBND")
    # Borderless: the header is layout, not a grid.
    borders = header._tbl.tblPr.find(docx.oxml.ns.qn("w:tblBorders"))
    assert {edge.get(docx.oxml.ns.qn("w:val")) for edge in borders} == {"nil"}


def test_header_without_governing_body_starts_with_the_issuer(summary):
    header = render(summary, issuer=ISSUER | {"above": None}).tables[0]
    assert header.rows[0].cells[0].paragraphs[0].text == "UBND QUẬN THANH XUÂN"


def test_page_is_a4_portrait_with_decree_margins(summary):
    section = render(summary).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert section.orientation == docx.enum.section.WD_ORIENT.PORTRAIT
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]


def test_times_new_roman_throughout_with_body_in_13_to_14_pt(summary):
    doc = render(summary)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    rfonts = normal.element.rPr.rFonts
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert rfonts.get(docx.oxml.ns.qn(slot)) == "Times New Roman"
    sizes = {run.font.size for p in doc.paragraphs for run in p.runs}
    assert sizes <= {None, Pt(13), Pt(14)}
    assert None in sizes  # the prose inherits Normal's 14 pt
    title = [p for p in doc.paragraphs if p.text == "BÁO CÁO"][0]
    assert title.runs[0].bold and title.runs[0].font.size == Pt(14)


def test_title_names_the_period(summary):
    texts = body_texts(render(summary))
    kind = texts.index("BÁO CÁO")
    assert texts[kind + 1] == (
        "Kết quả khảo sát, đánh giá sự hài lòng của người dân, tổ chức 6 tháng đầu năm 2026"
    )
    assert any("từ ngày 01/01/2026 đến ngày 30/6/2026" in text for text in texts)


def test_sections_one_to_six_in_order(summary):
    texts = body_texts(render(summary))
    positions = [
        next(i for i, text in enumerate(texts) if text.startswith(f"{numeral}. "))
        for numeral in ("I", "II", "III", "IV", "V", "VI")
    ]
    assert positions == sorted(positions)
    doc = render(summary)
    for paragraph in doc.paragraphs:
        if paragraph.text.startswith(("I. ", "II. ", "VI. ")):
            assert paragraph.runs[0].bold
    assert any(text.startswith("[Nêu") for text in texts)


# --- figures ---------------------------------------------------------------------------------


def test_index_and_counts_are_the_summarys_in_vietnamese_format(summary):
    texts = body_texts(render(summary))
    index = next(text for text in texts if text.startswith("Chỉ số hài lòng"))
    assert "78,5%" in index and "82,9% (khoảng tin cậy 95%: 82,0%–83,7%)" in index
    assert any("6.844 phiếu" in text and "giảm 333 phiếu" in text for text in texts)
    assert any("tăng 0,6 điểm phần trăm" in text for text in texts)


def test_index_interval_appears_when_the_summary_has_one(summary):
    summary["satisfaction_ci95"] = [77.6, 79.4]
    texts = body_texts(render(summary))
    assert any("78,5% (khoảng tin cậy 95%: 77,6%–79,4%)" in text for text in texts)


def test_significant_changes_are_named(summary):
    summary["changes"]["questions"]["overall"]["significant"] = True
    summary["changes"]["questions"]["f3_officer"] = {"satisfied_pct": -3.1, "significant": True}
    texts = body_texts(render(summary))
    assert any("có ý nghĩa thống kê (khoảng tin cậy 95%" in text for text in texts)
    assert any(
        "Các tiêu chí thay đổi có ý nghĩa thống kê: Công chức tận tình, chu đáo "
        "(giảm 3,1 điểm phần trăm)" in text
        for text in texts
    )


def test_dossier_table_sets_this_period_beside_the_previous(summary):
    table = table_headed(render(summary), "Chỉ tiêu", "6 tháng đầu năm 2026")
    assert rows_of(table)[0] == ["Số hồ sơ tiếp nhận", "33.012", "34.055"]
    assert rows_of(table)[2] == ["Tỷ lệ giải quyết đúng hạn", "96,6%", "96,7%"]


def test_without_dossier_figures_the_report_says_so(summary):
    summary["dossiers"] = None
    doc = render(summary)
    assert "Chưa có số liệu hồ sơ trong kỳ." in body_texts(doc)
    with pytest.raises(AssertionError):
        table_headed(doc, "Chỉ tiêu", "6 tháng đầu năm 2026")


def test_wards_are_ranked_best_first_with_the_suppressed_last(summary):
    table = table_headed(render(summary), "STT", "Đơn vị")
    assert rows_of(table) == [
        ["1", "Phường Kim Giang", "411", "92,6%", "93,1%", "-0,5"],
        ["2", "Phường Hạ Đình", "602", "82,4%", "82,4%", "0,0"],
        ["3", "Phường Nhân Chính", "415", "64,2%", "66,3%", "-2,1"],
        ["4", "Phường Khương Mai", "3", "chưa đủ số phiếu", "78,9%", "—"],
    ]


def test_questions_weakest_first_suppressed_one_says_so_scored_ones_left_out(summary):
    table = table_headed(render(summary), "STT", "Tiêu chí")
    assert rows_of(table) == [
        ["1", "Nơi tiếp đón thuận tiện", "6.683", "4,05", "75,0%"],
        ["2", "Công chức tận tình, chu đáo", "6.844", "4,25", "82,8%"],
        ["3", "Mức độ hài lòng chung", "6.844", "4,24", "82,9%"],
        ["4", "Phí, lệ phí đúng quy định", "3", "chưa đủ số phiếu", "chưa đủ số phiếu"],
    ]


def test_channels_with_responses_only(summary):
    table = table_headed(render(summary), "Kênh đánh giá", "Số phiếu")
    assert rows_of(table) == [
        ["Máy tính bảng tại quầy", "5.339", "78,3%", "82,8%"],
        ["Phiếu giấy", "965", "79,3%", "83,6%"],
        ["Khảo sát trực tuyến", "540", "78,9%", "82,4%"],
    ]


# --- legal scoring ---------------------------------------------------------------------------


@pytest.mark.parametrize("official", [True, False])
def test_tt01_reference_label_only_after_the_reform(summary, official):
    summary["period"]["tt01_official"] = official
    text = all_text(render(summary))
    assert ("tham chiếu TT 01/2018 (nội bộ)" in text) is not official
    assert ("Nghị định số 118/2025/NĐ-CP thay thế Nghị định số 61/2018/NĐ-CP" in text) is (
        not official
    )


def test_tt01_indices_and_missing_ones_are_named(summary):
    doc = render(summary)
    table = table_headed(doc, "Chỉ số", "Nội dung")
    points = [row[2] for row in rows_of(table)]
    assert points == ["chưa có số liệu"] * 2 + ["1,6", "1,6"] + ["chưa có số liệu"] * 5
    assert any(
        "3,2/4 điểm; chưa xếp loại vì các chỉ số 1, 2, 5, 6, 7, 8, 9 chưa có số liệu" in text
        for text in body_texts(doc)
    )


def test_tt01_band_when_all_nine_indices_have_data(summary):
    summary["tt01_total"] = {"score": 15.2, "max": 18, "band": "excellent", "missing": []}
    assert any("15,2/18 điểm; xếp loại: Xuất sắc." in t for t in body_texts(render(summary)))


def test_period_spanning_the_reform_says_so(summary):
    assert "trước và sau ngày 01/7/2025" not in all_text(render(summary))
    summary["period"]["spans_reform"] = True
    assert "trước và sau ngày 01/7/2025" in all_text(render(summary))


def test_qd766_figures_are_labelled_estimates(summary):
    doc = render(summary)
    mentions = [text for text in body_texts(doc) if "766" in text]
    assert mentions and all("ước tính" in text for text in mentions)
    table = table_headed(doc, "Chỉ tiêu", "Tỷ lệ")
    assert [row[1:] for row in rows_of(table)] == [
        ["82,2%", "4,93/6"],
        ["76,4%", "4,58/6"],
        ["94,1%", "6,00/6"],
    ]


# --- cases, charts, annex, closing -----------------------------------------------------------


def test_cases_hotline_and_paper_figures(summary):
    text = all_text(render(summary))
    assert "tiếp nhận 323 phản ánh, kiến nghị (kỳ trước: 363)" in text
    assert "tỷ lệ trả lời đúng hạn 90,6%" in text
    assert "92 ý kiến hài lòng, 11 ý kiến không hài lòng" in text
    assert "Đường dây nóng: 67 cuộc gọi, trong đó 19 cuộc gọi nhỡ" in text
    assert "Hòm thư góp ý được mở 72 lần" in text


@pytest.mark.parametrize(
    "kinds", [(), ("wards",), ("wards", "trend", "questions", "channels", "cases")]
)
def test_each_chart_given_is_embedded_once_with_a_caption(summary, png, kinds):
    doc = render(summary, charts=dict.fromkeys(kinds, png))
    assert len(doc.inline_shapes) == len(kinds)
    captions = [text for text in body_texts(doc) if text.startswith("Biểu đồ ")]
    assert [caption.split(":")[0] for caption in captions] == [
        f"Biểu đồ {n}" for n in range(1, len(kinds) + 1)
    ]
    if "wards" in kinds:
        assert any(
            caption.endswith("Chỉ số hài lòng theo đơn vị trực thuộc") for caption in captions
        )
    # A picture's paragraph never has an exact line height: that would clip it to one line.
    for paragraph in doc.paragraphs:
        if paragraph._p.xpath(".//pic:pic"):
            assert paragraph.paragraph_format.line_spacing_rule != WD_LINE_SPACING.EXACTLY


def test_unknown_chart_kind_is_refused(summary, png):
    with pytest.raises(ValueError, match="pie"):
        document(summary, issuer=ISSUER, charts={"pie": png}, today=TODAY)


def test_officer_annex_only_on_request(summary):
    annex = "Phụ lục: Kết quả theo cán bộ (nội bộ, không công bố)"
    assert annex not in all_text(render(summary))
    doc = render(summary, officers=True)
    assert annex in body_texts(doc)
    table = table_headed(doc, "STT", "Bộ phận")
    assert rows_of(table) == [
        [
            "1",
            "Bộ phận Một cửa quận Thanh Xuân",
            "Nguyễn Thị Lan",
            "418",
            "76,2%",
            "81,1%",
            "3,1/4",
        ],
        [
            "2",
            "Bộ phận Một cửa quận Thanh Xuân",
            "(chưa gắn với cán bộ)",
            "4",
            "chưa đủ số phiếu",
            "chưa đủ số phiếu",
            "chưa có số liệu",
        ],
    ]


def test_no_officer_annex_when_the_desks_carry_no_officers(summary):
    for desk in summary["desks"]:
        desk.pop("officers")
    assert "Phụ lục" not in all_text(render(summary, officers=True))


def test_recipients_and_signature_close_the_report(summary):
    doc = render(summary)
    closing = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    recipients, signature = closing.rows[0].cells
    lines = [p.text for p in recipients.paragraphs]
    assert lines == [
        "Nơi nhận:",
        "- UBND Thành phố Hà Nội;",
        "- Văn phòng UBND Thành phố;",
        "- Lưu: VT.",
    ]
    label = recipients.paragraphs[0].runs[0]
    assert label.bold and label.italic and label.font.size == Pt(12)
    assert recipients.paragraphs[1].runs[0].font.size == Pt(11)
    signed = [p for p in signature.paragraphs if p.text]
    assert [p.text for p in signed] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]
    assert all(p.runs[0].bold for p in signed)
    assert len(signature.paragraphs) > len(signed) + 2  # room to sign and stamp


# --- reasons behind low ratings, kiosk completion (issue 15) ---------------------------------


def test_reasons_name_the_most_chosen_and_each_wards_share(summary):
    summary["reasons"] = reasons_figure(40, {"attitude": 10, "wait_time": 30})
    summary["children"][0]["reasons"] = reasons_figure(20, {"attitude": 2, "wait_time": 18})
    summary["children"][1]["reasons"] = reasons_figure(3, {})
    doc = render(summary, reason_labels={"wait_time": "Chờ lâu"})
    text = all_text(doc)
    assert "Có 40 đánh giá chung ở mức 1–2" in text
    assert "Lý do được chọn nhiều nhất: Chờ lâu (30 lượt, bằng 75,0% số đánh giá 1–2)" in text
    assert rows_of(table_headed(doc, "STT", "Lý do")) == [
        ["1", "Chờ lâu", "30", "75,0%"],
        ["2", "Thái độ", "10", "25,0%"],
    ]
    wards = {row[0]: row for row in rows_of(table_headed(doc, "Đơn vị", "Số đánh giá 1–2"))}
    first, second = (child["unit"]["name"] for child in summary["children"][:2])
    assert wards[first][1:] == ["20", "10,0%", "90,0%"]
    assert wards[second][1:] == ["3", "—", "—"]  # too few low ratings


def test_reasons_withheld_or_absent_say_so(summary):
    summary["reasons"] = reasons_figure(3, {})
    assert "Chưa đủ số phiếu để nêu tỷ lệ theo từng lý do." in all_text(render(summary))
    summary["reasons"] = reasons_figure(0, {})
    assert "Trong kỳ không có đánh giá chung ở mức 1–2" in all_text(render(summary))


def test_kiosk_completion_beside_the_previous_period(summary):
    summary["kiosk"] = {
        "started": 1200,
        "completed": 1020,
        "partial": 100,
        "abandoned": 80,
        "completion_pct": 85.0,
    }
    summary["previous"]["kiosk"] = {"completion_pct": 80.5}
    summary["changes"]["kiosk"] = {"completion_pct": 4.5}
    text = all_text(render(summary))
    assert (
        "có 1.200 lượt khảo sát được bắt đầu: 1.020 lượt hoàn thành, 100 lượt dừng giữa chừng"
        in text
    )
    assert "80 lượt bỏ dở khi chưa đánh giá; tỷ lệ hoàn thành 85,0% (kỳ trước: 80,5%; tăng 4,5" in (
        text
    )
    summary["kiosk"] = dict.fromkeys(summary["kiosk"], 0) | {"completion_pct": None}
    assert "chưa có lượt khảo sát nào được bắt đầu tại máy tính bảng" in all_text(render(summary))
