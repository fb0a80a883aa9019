"""Báo cáo: the period summary as a Vietnamese administrative document (NĐ 30/2020/NĐ-CP).

The report is filed with the authority above, so it is always Vietnamese whatever the reader's
language: its fixed texts are the literal strings below, not Babel messages. It renders one
summary object (DESIGN.md §5) and computes no figure of its own: every number is read from the
summary, then only formatted the Vietnamese way ("85,3%", "33.012") and ordered (best ward first,
weakest question first). A suppressed cell (None) reads "chưa đủ số phiếu".

Layout per NĐ 30/2020 Phụ lục I: A4 portrait, margins 20/20/30/15 mm, Times New Roman, body 14 pt
justified with a first-line indent; the header block (tên cơ quan | Quốc hiệu, Tiêu ngữ; số, ký
hiệu | địa danh, ngày tháng) and the closing block (Nơi nhận | chữ ký) are borderless two-column
tables; page numbers from the second page on. Sections V and VI are left as "[Nêu …]" for the
drafting officer to write before signing.
"""

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .service import best_first, weakest_first
from .wording import CASE_CHANNELS, CASE_KINDS, RESPONSE_CHANNELS

# --- words -----------------------------------------------------------------------------------

SUPPRESSED = "chưa đủ số phiếu"
NO_DATA = "chưa có số liệu"
DASH = "—"

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER_LABEL = "Số:"
# The number is left blank: the clerk (văn thư) writes it in when the report is registered.
NUMBER_GAP = " " * 8
DOC_KIND = "BÁO CÁO"
SUBJECT = "Kết quả khảo sát, đánh giá sự hài lòng của người dân, tổ chức {period}"
INTRO = (
    "Kết quả khảo sát, đánh giá sự hài lòng của người dân, tổ chức đối với việc giải quyết thủ "
    "tục hành chính tại {unit}, kỳ báo cáo {period} (từ ngày {start} đến ngày {end}), như sau:"
)

HEADINGS = (
    "I. TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ",
    "II. KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG",
    "III. ĐIỂM ĐÁNH GIÁ THEO QUY ĐỊNH",
    "IV. TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ VÀ ĐƯỜNG DÂY NÓNG",
    "V. KHÓ KHĂN, VƯỚNG MẮC",
    "VI. ĐỀ XUẤT, KIẾN NGHỊ",
)
PLACEHOLDERS = (
    "[Nêu những khó khăn, vướng mắc trong việc lấy ý kiến, đánh giá sự hài lòng và xử lý phản "
    "ánh, kiến nghị của người dân, tổ chức; nguyên nhân.]",
    "[Nêu các đề xuất, kiến nghị với cơ quan cấp trên và giải pháp nâng cao mức độ hài lòng "
    "của người dân, tổ chức trong kỳ tới.]",
)

NO_DOSSIERS = "Chưa có số liệu hồ sơ trong kỳ."
DOSSIER_CAPTION = "Tình hình tiếp nhận, giải quyết hồ sơ thủ tục hành chính (Biểu 06/VPCP/KSTT)"
DOSSIER_ROWS = (
    ("received", "Số hồ sơ tiếp nhận", 0),
    ("resolved", "Số hồ sơ đã giải quyết", 0),
    ("on_time_pct", "Tỷ lệ giải quyết đúng hạn", 1),
    ("late", "Số hồ sơ giải quyết quá hạn", 0),
    ("pending_overdue", "Số hồ sơ đang giải quyết đã quá hạn", 0),
)

RESPONSES_HEADING = "1. Số phiếu đánh giá"
INDEX_HEADING = "2. Chỉ số hài lòng"
FACTORS_HEADING = "3. Kết quả theo yếu tố và tiêu chí"
WARDS_HEADING = "4. Kết quả theo đơn vị trực thuộc"
NO_WARDS = "Đơn vị không có đơn vị trực thuộc trong kỳ báo cáo."
REASONS_HEADING = "5. Lý do người dân, tổ chức chưa hài lòng"
NO_LOW_RATINGS = "Trong kỳ không có đánh giá chung ở mức 1–2 (không hài lòng, rất không hài lòng)."
LOW_RATINGS = (
    "Có {low} đánh giá chung ở mức 1–2 (không hài lòng, rất không hài lòng); người đánh giá "
    "được hỏi điều gì chưa tốt và có thể chọn nhiều lý do."
)
LOW_RATINGS_SUPPRESSED = " Chưa đủ số phiếu để nêu tỷ lệ theo từng lý do."
TOP_REASON = " Lý do được chọn nhiều nhất: {label} ({count} lượt, bằng {pct} số đánh giá 1–2)."
REASONS_CAPTION = "Lý do chưa hài lòng (tỷ lệ trên số đánh giá 1–2)"
REASONS_HEADERS = ["STT", "Lý do", "Số lượt chọn", "Tỷ lệ trên số đánh giá 1–2"]
WARD_REASONS_CAPTION = "Tỷ lệ từng lý do trên số đánh giá 1–2 theo đơn vị trực thuộc"
WARD_REASONS_NOTE = "Dấu “—”: chưa đủ số phiếu hoặc không có đánh giá 1–2."
KIOSK_HEADING = "6. Khảo sát tại máy tính bảng"
NO_KIOSK = "Trong kỳ chưa có lượt khảo sát nào được bắt đầu tại máy tính bảng."
KIOSK_SENTENCE = (
    "Tại máy tính bảng, có {started} lượt khảo sát được bắt đầu: {completed} lượt hoàn thành, "
    "{partial} lượt dừng giữa chừng (các câu đã trả lời vẫn được tính), {abandoned} lượt bỏ dở "
    "khi chưa đánh giá; tỷ lệ hoàn thành {pct}"
)

# SIPAS factors (QĐ 1001/QĐ-BNV).
FACTOR_NAMES = {
    "F1": "Tiếp cận dịch vụ hành chính công",
    "F2": "Thủ tục hành chính",
    "F3": "Công chức trực tiếp giải quyết công việc",
    "F4": "Kết quả cung ứng dịch vụ hành chính công",
    "F5": "Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị",
}

LEGAL_TT01_HEADING = "1. Các chỉ số theo Thông tư số 01/2018/TT-VPCP"
TT01_REFERENCE = "tham chiếu TT 01/2018 (nội bộ)"
TT01_REPLACED = (
    "Từ ngày 01/7/2025, Nghị định số 118/2025/NĐ-CP thay thế Nghị định số 61/2018/NĐ-CP; chưa "
    "có quy định chấm điểm thay thế các chỉ số của Thông tư số 01/2018/TT-VPCP, nên số liệu "
    "dưới đây chỉ dùng để theo dõi nội bộ."
)
SPANS_REFORM = (
    "Kỳ báo cáo có cả thời gian trước và sau ngày 01/7/2025 (ngày Nghị định số 118/2025/NĐ-CP "
    "có hiệu lực): điểm theo Thông tư số 01/2018/TT-VPCP chỉ là kết quả chính thức đối với "
    "thời gian trước ngày 01/7/2025."
)
# TT 01/2018 Điều 13.
TT01_INDICES = {
    1: "Tổng thời gian giải quyết hồ sơ so với thời gian quy định",
    2: "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết",
    3: "Số lần phải liên hệ để hoàn thiện hồ sơ",
    4: "Số cơ quan, đơn vị phải liên hệ",
    5: "Tiếp nhận, giải quyết và trả kết quả tại Bộ phận Một cửa",
    6: "Công khai thủ tục hành chính",
    7: "Thái độ của cán bộ, công chức, viên chức",
    8: "Tiếp nhận, xử lý phản ánh, kiến nghị",
    9: "Cung cấp dịch vụ công trực tuyến",
}
TT01_BANDS = {
    "excellent": "Xuất sắc",
    "good": "Tốt",
    "fair": "Khá",
    "average": "Trung bình",
    "poor": "Yếu",
}
LEGAL_766_HEADING = "2. Nhóm tiêu chí 5 theo Quyết định số 766/QĐ-TTg (ước tính)"
QD766_NOTE = (
    "Điểm chính thức do Cổng Dịch vụ công quốc gia tính; số liệu dưới đây là ước tính từ dữ "
    "liệu của đơn vị, theo Quyết định số 766/QĐ-TTg."
)
QD766_ROWS = {
    "5.2": "Tỷ lệ xử lý phản ánh, kiến nghị đúng hạn",
    "5.3": "Mức độ hài lòng về xử lý phản ánh, kiến nghị",
    "5.4": "Mức độ hài lòng trong giải quyết thủ tục hành chính",
}

# Charts in the order they appear, each with its caption.
CHART_CAPTIONS = {
    "channels": "Số phiếu đánh giá theo kênh",
    "trend": "Số phiếu và chỉ số hài lòng 12 tháng gần nhất",
    "questions": "Tỷ lệ hài lòng theo từng tiêu chí",
    "wards": "Chỉ số hài lòng theo đơn vị trực thuộc",
    "reasons": "Lý do chưa hài lòng (tỷ lệ trên số đánh giá 1–2) và đơn vị có tỷ lệ cao nhất",
    "cases": "Tiếp nhận và trả lời phản ánh, kiến nghị",
}

RECIPIENTS_LABEL = "Nơi nhận:"
ARCHIVE = "- Lưu: VT."
OFFICER_ANNEX = "Phụ lục: Kết quả theo cán bộ (nội bộ, không công bố)"
OFFICER_ANNEX_NOTE = (
    "Kết quả theo từng cán bộ chỉ dùng để quản lý nội bộ, không công khai cùng báo cáo."
)
UNNAMED_OFFICER = "(chưa gắn với cán bộ)"

# --- page ------------------------------------------------------------------------------------

FONT = "Times New Roman"
BODY_PT = 14
SMALL_PT = 13  # tables, header block, captions
NATIONAL_PT = 12  # Quốc hiệu may be 12–13 pt; 12 keeps it on one line in its column
RECIPIENTS_LABEL_PT = 12
RECIPIENTS_PT = 11
PAGE = {"width": Mm(210), "height": Mm(297)}
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
FIRST_LINE_INDENT = Cm(1.27)
LINE_SPACING = 1.15  # NĐ 30: from single to 1.5 lines
PARAGRAPH_GAP = Pt(6)  # NĐ 30: at least 6 pt between paragraphs
HEADER_COLUMNS_CM = (6.5, 10.0)
CLOSING_COLUMNS_CM = (8.0, 8.5)
# Rules under the issuing body (1/3–1/2 of its line), under the Tiêu ngữ (as long as the text,
# "Độc lập - Tự do - Hạnh phúc" in 13 pt bold Times New Roman) and under the subject.
BODY_RULE_CM = 2.2
MOTTO_RULE_CM = 5.6
SUBJECT_RULE_CM = 4.0
CHART_WIDTH = Cm(15)
SIGNATURE_SPACE_LINES = 4
LIKERT_LEVELS = frozenset({"1", "2", "3", "4", "5"})


def vi_number(value: float | None, places: int = 1, suffix: str = "") -> str:
    """A number the Vietnamese way: dot between thousands, comma before decimals ("33.012",
    "85,3%"); a suppressed cell (None) reads "chưa đủ số phiếu"."""
    if value is None:
        return SUPPRESSED
    english = f"{value:,.{places}f}"
    return english.translate(str.maketrans({",": ".", ".": ","})) + suffix


def place_date(place: str, on: date) -> str:
    """The địa danh, ngày tháng line. NĐ 30/2020: days 1–9 and months 1–2 take a leading zero
    ("ngày 05 tháng 02"), other months do not ("tháng 3")."""
    day, month = _day_month(on)
    return f"{place}, ngày {day} tháng {month} năm {on.year}"


def document(
    summary: dict,
    *,
    issuer: dict,
    charts: dict[str, bytes] | None = None,
    officers: bool = False,
    question_texts: dict[str, str] | None = None,
    reason_labels: dict[str, str] | None = None,
    today: date,
) -> bytes:
    """The period report as .docx bytes, ready for the signer.

    `issuer`: {"above", "body", "symbol", "place", "signer_title", "signer_name", "recipients"}
    (see the module docstring for what each becomes). `charts`: PNG bytes by kind (keys of
    CHART_CAPTIONS), each embedded with a "Biểu đồ N" caption. The officer annex is written only
    when `officers` is true and the summary's desks carry officers: it is internal and must not
    travel with a filed copy by accident.
    """
    charts = charts or {}
    unknown = sorted(set(charts) - set(CHART_CAPTIONS))
    if unknown:
        raise ValueError(f"unknown chart kinds {unknown}; expected some of {list(CHART_CAPTIONS)}")
    report = _Report(summary, issuer, charts, question_texts or {}, reason_labels or {})
    report.header(today)
    report.title()
    report.dossiers()
    report.satisfaction()
    report.legal_scores()
    report.cases()
    report.placeholders()
    report.closing()
    if officers:
        report.officer_annex()
    out = io.BytesIO()
    report.doc.save(out)
    return out.getvalue()


class _Report:
    """One document being written, with its running table and chart numbers."""

    def __init__(
        self,
        summary: Mapping,
        issuer: Mapping,
        charts: Mapping,
        texts: Mapping,
        reason_labels: Mapping | None = None,
    ):
        self.s = summary
        self.reason_labels = reason_labels or {}
        self.previous = summary.get("previous") or {}
        self.issuer = issuer
        self.charts = charts
        self.texts = texts
        self.tables = 0
        self.figures = 0
        self.doc = Document()
        _set_up_page(self.doc)
        _set_up_fonts(self.doc)

    # --- blocks of NĐ 30 ---------------------------------------------------------------------

    def header(self, today: date) -> None:
        """Tên cơ quan and số, ký hiệu on the left; Quốc hiệu, Tiêu ngữ and the date on the
        right. Two rows so that the number and the date line up whatever the names' lengths."""
        table = _layout_table(self.doc, HEADER_COLUMNS_CM, rows=2)
        names, national = table.rows[0].cells
        if self.issuer.get("above"):
            _line(names, self.issuer["above"].upper(), size=SMALL_PT)
        _line(names, self.issuer["body"].upper(), size=SMALL_PT, bold=True)
        _rule(names, BODY_RULE_CM, HEADER_COLUMNS_CM[0])
        _line(national, NATIONAL_NAME, size=NATIONAL_PT, bold=True)
        _line(national, NATIONAL_MOTTO, size=SMALL_PT, bold=True)
        _rule(national, MOTTO_RULE_CM, HEADER_COLUMNS_CM[1])
        number, dated = table.rows[1].cells
        paragraph = _line(number, NUMBER_LABEL + NUMBER_GAP, size=SMALL_PT)
        _run(paragraph, "/" + self.issuer["symbol"], size=SMALL_PT)
        _line(dated, place_date(self.issuer["place"], today), size=SMALL_PT, italic=True)

    def title(self) -> None:
        """Tên loại and trích yếu, centred, with a short rule under the trích yếu; then the
        opening sentence that names the unit and the dates of the period."""
        kind = _line(self.doc, DOC_KIND, size=BODY_PT, bold=True)
        kind.paragraph_format.space_before = Pt(18)
        subject = SUBJECT.format(period=self.s["period"]["title"])
        _line(self.doc, subject, size=BODY_PT, bold=True)
        _rule(self.doc, SUBJECT_RULE_CM, _text_width_cm(self.doc))
        period = self.s["period"]
        self._prose(
            INTRO.format(
                unit=self.s["unit"]["name"],
                period=period["title"],
                start=_short_date(date.fromisoformat(period["start"])),
                end=_short_date(date.fromisoformat(period["end"])),
            )
        ).paragraph_format.space_before = Pt(12)

    def dossiers(self) -> None:
        """I. Biểu 06 figures of this period beside the previous one."""
        self._heading(HEADINGS[0])
        current = self.s.get("dossiers")
        if current is None:
            self._prose(NO_DOSSIERS)
            return
        before = self.previous.get("dossiers") or {}
        self._prose(
            f"Trong kỳ, tiếp nhận {vi_number(current['received'], 0)} hồ sơ; đã giải quyết "
            f"{vi_number(current['resolved'], 0)} hồ sơ, tỷ lệ giải quyết đúng hạn "
            f"{_pct(current['on_time_pct'])}; {vi_number(current['pending_overdue'], 0)} hồ sơ "
            "đang giải quyết đã quá hạn."
        )
        rows = [
            [label, _figure(current, key, places), _figure(before, key, places)]
            for key, label, places in DOSSIER_ROWS
        ]
        headers = ["Chỉ tiêu", self._period_name(self.s), self._period_name(self.previous)]
        self._table(DOSSIER_CAPTION, headers, rows, (8.5, 4.0, 4.0))

    def satisfaction(self) -> None:
        """II. Responses and channels, the index and its change, factors and questions, wards."""
        self._heading(HEADINGS[1])
        self._subheading(RESPONSES_HEADING)
        self._responses()
        self._chart("channels")
        self._subheading(INDEX_HEADING)
        self._index()
        self._chart("trend")
        self._subheading(FACTORS_HEADING)
        self._factors()
        self._questions()
        self._chart("questions")
        self._subheading(WARDS_HEADING)
        self._wards()
        self._chart("wards")
        if self.s.get("reasons") is not None:
            self._subheading(REASONS_HEADING)
            self._reasons()
            self._chart("reasons")
        if self.s.get("kiosk") is not None:
            self._subheading(KIOSK_HEADING)
            self._kiosk()

    def legal_scores(self) -> None:
        """III. TT 01/2018 indices (official or internal reference) and QĐ 766 group 5."""
        self._heading(HEADINGS[2])
        period = self.s["period"]
        official = bool(period.get("tt01_official"))
        self._subheading(
            LEGAL_TT01_HEADING if official else f"{LEGAL_TT01_HEADING} – {TT01_REFERENCE}"
        )
        if not official:
            self._prose(TT01_REPLACED)
        if period.get("spans_reform"):
            self._prose(SPANS_REFORM)
        indices = self.s.get("tt01") or {}
        rows = [
            [str(number), name, _points(_tt01_value(indices, number))]
            for number, name in TT01_INDICES.items()
        ]
        caption = "Điểm các chỉ số theo Thông tư số 01/2018/TT-VPCP (thang điểm 0–2)"
        self._table(caption, ["Chỉ số", "Nội dung", "Điểm"], rows, (2.0, 11.5, 3.0), left=(1,))
        self._prose(_tt01_total_sentence(self.s.get("tt01_total") or {}))

        self._subheading(LEGAL_766_HEADING)
        self._prose(QD766_NOTE)
        qd766 = self.s.get("qd766") or {}
        rows = []
        for code, name in QD766_ROWS.items():
            item = qd766.get(code) or {}
            pct = item.get("pct")
            if pct is None:
                shown = NO_DATA + " hồ sơ" if code == "5.4" else DASH
            else:
                shown = _pct(pct)
            points = item.get("points")
            scored = DASH if points is None else vi_number(points, 2)
            rows.append([f"{code}. {name}", shown, f"{scored}/{item.get('max', DASH)}"])
        caption = "Nhóm tiêu chí 5 (Mức độ hài lòng) theo Quyết định số 766/QĐ-TTg – ước tính"
        self._table(
            caption, ["Chỉ tiêu", "Tỷ lệ", "Điểm ước tính"], rows, (10.0, 3.0, 3.5), left=(0,)
        )

    def cases(self) -> None:
        """IV. Phản ánh, kiến nghị: counts, citizens' verdicts, channels and kinds; hotline;
        suggestion boxes and comment books."""
        self._heading(HEADINGS[3])
        cases = self.s.get("cases") or {}
        before = (self.previous.get("cases") or {}).get("received")
        self._prose(
            f"Trong kỳ, tiếp nhận {_count(cases, 'received')} phản ánh, kiến nghị"
            + (f" (kỳ trước: {vi_number(before, 0)})" if before is not None else "")
            + f"; đã trả lời {_count(cases, 'answered')}, tỷ lệ trả lời đúng hạn "
            f"{_optional_pct(cases.get('answered_on_time_pct'))}; quá hạn chưa trả lời đến "
            f"cuối kỳ: {_count(cases, 'overdue')}; chuyển cơ quan có thẩm quyền: "
            f"{_count(cases, 'forwarded')}; không thụ lý: {_count(cases, 'rejected')}."
        )
        verdicts = cases.get("verdicts") or {}
        if verdicts.get("hai_long") or verdicts.get("khong_hai_long"):
            self._prose(
                "Người dân, tổ chức đánh giá câu trả lời đã công khai: "
                f"{_count(verdicts, 'hai_long')} ý kiến hài lòng, "
                f"{_count(verdicts, 'khong_hai_long')} ý kiến không hài lòng."
            )
        else:
            self._prose(
                "Chưa có ý kiến đánh giá của người dân, tổ chức về câu trả lời đã công khai."
            )
        kinds = cases.get("by_kind") or {}
        if kinds:
            listed = "; ".join(
                f"{label} {vi_number(kinds[kind], 0)}"
                for kind, label in _labelled(kinds, CASE_KINDS)
            )
            self._prose(f"Phân loại theo nội dung: {listed}.")
        channels = cases.get("by_channel") or {}
        if channels:
            rows = [
                [label, vi_number(channels[channel], 0)]
                for channel, label in _labelled(channels, CASE_CHANNELS)
            ]
            caption = "Phản ánh, kiến nghị theo kênh tiếp nhận"
            self._table(caption, ["Kênh tiếp nhận", "Số lượng"], rows, (11.5, 5.0), left=(0,))
        self._chart("cases")
        hotline = self.s.get("hotline") or {}
        self._prose(
            f"Đường dây nóng: {_count(hotline, 'calls')} cuộc gọi, trong đó "
            f"{_count(hotline, 'missed')} cuộc gọi nhỡ và {_count(hotline, 'voicemails')} tin "
            f"nhắn thoại; {_count(hotline, 'sms')} tin nhắn SMS; "
            f"{_count(hotline, 'callbacks_pending')} cuộc còn chờ gọi lại."
        )
        paper = self.s.get("paper") or {}
        self._prose(
            f"Hòm thư góp ý được mở {_count(paper, 'box_openings')} lần, kiểm đếm "
            f"{_count(paper, 'slips_counted')} phiếu, đã nhập {_count(paper, 'slips_entered')} "
            f"phiếu; sổ góp ý ghi nhận {_count(paper, 'book_entries')} ý kiến."
        )

    def placeholders(self) -> None:
        """V and VI: left for the drafting officer, as editable text in a normal paragraph."""
        for heading, placeholder in zip(HEADINGS[4:], PLACEHOLDERS, strict=True):
            self._heading(heading)
            self._prose(placeholder)

    def closing(self) -> None:
        """Nơi nhận on the left, the signer's title, room to sign and name on the right."""
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.space_before = Pt(6)
        table = _layout_table(self.doc, CLOSING_COLUMNS_CM, rows=1)
        recipients, signature = table.rows[0].cells
        left = WD_ALIGN_PARAGRAPH.LEFT
        _line(
            recipients,
            RECIPIENTS_LABEL,
            size=RECIPIENTS_LABEL_PT,
            bold=True,
            italic=True,
            align=left,
        )
        for recipient in self.issuer.get("recipients") or []:
            text = f"- {recipient.strip().rstrip(';.')};"
            _line(recipients, text, size=RECIPIENTS_PT, align=left)
        _line(recipients, ARCHIVE, size=RECIPIENTS_PT, align=left)
        for title_line in self.issuer["signer_title"].upper().splitlines():
            _line(signature, title_line, size=BODY_PT, bold=True)
        for _ in range(SIGNATURE_SPACE_LINES):
            _line(signature, "", size=BODY_PT)
        _line(signature, self.issuer.get("signer_name") or "", size=BODY_PT, bold=True)

    def officer_annex(self) -> None:
        """Phụ lục: each desk's officers, on a page of its own after the signature. Absent when
        the summary was built without officers."""
        rows = []
        for desk in self.s.get("desks") or []:
            for officer in desk.get("officers") or []:
                total = officer.get("tt01_total") or {}
                score = total.get("score")
                rows.append(
                    [
                        str(len(rows) + 1),
                        desk.get("name", ""),
                        officer.get("name") or UNNAMED_OFFICER,
                        vi_number(officer.get("responses"), 0),
                        _pct(officer.get("satisfaction_index")),
                        _pct(officer.get("overall_satisfied_pct")),
                        NO_DATA if score is None else f"{vi_number(score)}/{total.get('max')}",
                    ]
                )
        if not rows:
            return
        breaker = self.doc.add_paragraph()
        breaker.add_run().add_break(WD_BREAK.PAGE)
        _line(self.doc, OFFICER_ANNEX, size=BODY_PT, bold=True)
        self._prose(OFFICER_ANNEX_NOTE)
        headers = [
            "STT",
            "Bộ phận",
            "Cán bộ",
            "Số phiếu",
            "Chỉ số hài lòng",
            "Hài lòng chung",
            "Điểm TT 01",
        ]
        caption = f"Kết quả theo cán bộ, {self.s['period']['title']}"
        self._table(caption, headers, rows, (1.2, 3.6, 3.6, 2.0, 2.2, 2.0, 1.9), left=(1, 2))

    # --- pieces of section II ----------------------------------------------------------------

    def _responses(self) -> None:
        s, before = self.s, self.previous
        sentence = f"Trong kỳ nhận được {vi_number(s['responses'], 0)} phiếu đánh giá hợp lệ"
        if before.get("responses") is not None:
            change = _change((s.get("changes") or {}).get("responses"), 0, "phiếu")
            sentence += f" (kỳ trước: {vi_number(before['responses'], 0)} phiếu; {change})"
        self._prose(sentence + ".")
        if s.get("suspicious"):
            self._prose(
                f"{vi_number(s['suspicious'], 0)} phiếu gửi dồn bất thường từ cùng một thiết bị "
                "đã được loại khỏi mọi kết quả."
            )
        coverage = s.get("coverage_pct")
        if coverage is None:
            self._prose(
                "Chưa tính được tỷ lệ phiếu đánh giá trên số hồ sơ do chưa có số liệu hồ sơ."
            )
        else:
            self._prose(f"Tỷ lệ phiếu đánh giá trên số hồ sơ đã giải quyết: {_pct(coverage)}.")
        by_channel = s.get("by_channel") or {}
        used = {channel: n for channel, n in (s.get("channels") or {}).items() if n}
        if not used:
            return
        rows = []
        for channel, label in _labelled(used, RESPONSE_CHANNELS):
            figures = by_channel.get(channel) or {}
            rows.append(
                [
                    label,
                    vi_number(used[channel], 0),
                    _pct(figures.get("satisfaction_index")),
                    _pct(figures.get("overall_satisfied_pct")),
                ]
            )
        headers = ["Kênh đánh giá", "Số phiếu", "Chỉ số hài lòng", "Hài lòng chung"]
        self._table("Kết quả theo kênh đánh giá", headers, rows, (6.5, 3.0, 3.5, 3.5), left=(0,))

    def _index(self) -> None:
        s, before = self.s, self.previous
        overall = (s.get("questions") or {}).get("overall") or {}
        self._prose(
            "Chỉ số hài lòng (ước tính nội bộ: bình quân tỷ lệ hài lòng của các yếu tố): "
            f"{_pct(s.get('satisfaction_index'))}{_interval(s.get('satisfaction_ci95'))}; "
            f"tỷ lệ người dân, tổ chức hài lòng chung: {_pct(s.get('overall_satisfied_pct'))}"
            f"{_interval(overall.get('ci95'))}."
        )
        if not before:
            return
        changes = s.get("changes") or {}
        question_changes = changes.get("questions") or {}
        overall_change = question_changes.get("overall") or {}
        sentence = (
            f"So với kỳ trước ({before['period']['title']}): chỉ số hài lòng "
            f"{_pct(before.get('satisfaction_index'))}, "
            f"{_change(changes.get('satisfaction_index'), 1, 'điểm phần trăm')}; tỷ lệ hài lòng "
            f"chung {_pct(before.get('overall_satisfied_pct'))}, "
            f"{_change(overall_change.get('satisfied_pct'), 1, 'điểm phần trăm')}"
        )
        significant = overall_change.get("significant")
        if significant is True:
            sentence += (
                ", mức thay đổi có ý nghĩa thống kê (khoảng tin cậy 95% của hai kỳ không giao nhau)"
            )
        elif significant is False:
            sentence += ", mức thay đổi chưa có ý nghĩa thống kê"
        self._prose(sentence + ".")
        judged = {
            code: change
            for code, change in question_changes.items()
            if code != "overall" and change.get("significant") is not None
        }
        if not judged:
            return
        moved = [
            f"{self._question_text(code)} ({_change(change['satisfied_pct'], 1, 'điểm phần trăm')})"
            for code, change in judged.items()
            if change["significant"]
        ]
        if moved:
            self._prose("Các tiêu chí thay đổi có ý nghĩa thống kê: " + "; ".join(moved) + ".")
        else:
            self._prose("Không có tiêu chí nào thay đổi có ý nghĩa thống kê so với kỳ trước.")

    def _factors(self) -> None:
        factors = self.s.get("factors") or {}
        before = self.previous.get("factors") or {}
        rows = []
        for code, name in _labelled(factors, FACTOR_NAMES):
            figures = factors[code] or {}
            rows.append(
                [
                    name,
                    vi_number(figures.get("n"), 0),
                    _pct(figures.get("index")),
                    _pct((before.get(code) or {}).get("index")) if code in before else DASH,
                ]
            )
        if rows:
            headers = ["Yếu tố", "Số ý kiến", "Kỳ này", "Kỳ trước"]
            self._table(
                "Chỉ số hài lòng theo yếu tố", headers, rows, (8.5, 2.5, 2.75, 2.75), left=(0,)
            )

    def _questions(self) -> None:
        """Likert questions, weakest first; scored and yes/no questions have no satisfied share
        (TT 01 ones are in section III). A suppressed question has no levels and is kept."""
        rows = []
        for code, stats in weakest_first(self.s.get("questions") or {}):
            levels = stats.get("levels")
            if levels is not None and not set(levels) <= LIKERT_LEVELS:
                continue
            rows.append(
                [
                    str(len(rows) + 1),
                    self._question_text(code),
                    vi_number(stats.get("n"), 0),
                    vi_number(stats.get("mean"), 2),
                    _pct(stats.get("satisfied_pct")),
                ]
            )
        if rows:
            caption = "Kết quả theo từng tiêu chí (từ tỷ lệ hài lòng thấp đến cao)"
            headers = ["STT", "Tiêu chí", "Số ý kiến", "Điểm trung bình (1–5)", "Tỷ lệ hài lòng"]
            self._table(caption, headers, rows, (1.2, 8.3, 2.2, 2.4, 2.4), left=(1,))

    def _wards(self) -> None:
        children = self.s.get("children") or []
        if not children:
            self._prose(NO_WARDS)
            return
        rows = []
        for number, child in enumerate(best_first(children), start=1):
            before = child.get("previous") or {}
            change = (child.get("changes") or {}).get("satisfaction_index")
            rows.append(
                [
                    str(number),
                    child["unit"]["name"],
                    vi_number(child.get("responses"), 0),
                    _pct(child.get("satisfaction_index")),
                    _pct(before.get("satisfaction_index")) if before else DASH,
                    DASH if change is None else _signed(change),
                ]
            )
        caption = "Chỉ số hài lòng theo đơn vị trực thuộc (từ cao xuống thấp)"
        headers = ["STT", "Đơn vị", "Số phiếu", "Chỉ số hài lòng", "Kỳ trước", "Thay đổi (điểm %)"]
        self._table(caption, headers, rows, (1.2, 5.3, 2.2, 2.8, 2.5, 2.5), left=(1,))

    def _reasons(self) -> None:
        """How many low ratings, the reasons most often chosen with them, and each ward's."""
        reasons = self.s["reasons"]
        low = reasons.get("low_ratings") or 0
        if not low:
            self._prose(NO_LOW_RATINGS)
            return
        items = [i for i in reasons.get("items") or () if i.get("count") is not None]
        sentence = LOW_RATINGS.format(low=vi_number(low, 0))
        if not items:
            self._prose(sentence + LOW_RATINGS_SUPPRESSED)
            return
        ranked = sorted(items, key=lambda i: -i["count"])
        top = ranked[0]
        if top["count"]:
            sentence += TOP_REASON.format(
                label=self._reason_label(top),
                count=vi_number(top["count"], 0),
                pct=_pct(top.get("pct_of_low")),
            )
        self._prose(sentence)
        rows = [
            [
                str(number),
                self._reason_label(item),
                vi_number(item["count"], 0),
                _pct(item.get("pct_of_low")),
            ]
            for number, item in enumerate(ranked, start=1)
        ]
        self._table(REASONS_CAPTION, REASONS_HEADERS, rows, (1.2, 7.3, 3.5, 4.5), left=(1,))
        self._ward_reasons([i["code"] for i in reasons.get("items") or ()])

    def _ward_reasons(self, codes: list[str]) -> None:
        """Each child's share per reason: one ward's "waiting time" stands out here."""
        children = sorted(self.s.get("children") or [], key=lambda c: c["unit"]["name"])
        if not children or not codes:
            return
        rows = []
        for child in children:
            figures = child.get("reasons") or {}
            shares = {i["code"]: i.get("pct_of_low") for i in figures.get("items") or ()}
            rows.append(
                [
                    child["unit"]["name"],
                    vi_number(figures.get("low_ratings") or 0, 0),
                    *(DASH if shares.get(code) is None else _pct(shares[code]) for code in codes),
                ]
            )
        labels = {i["code"]: self._reason_label(i) for i in self.s["reasons"]["items"]}
        headers = ["Đơn vị", "Số đánh giá 1–2", *(labels[code] for code in codes)]
        rest = (16.5 - 4.0 - 2.0) / len(codes)
        widths = (4.0, 2.0, *(rest for _code in codes))
        self._table(WARD_REASONS_CAPTION, headers, rows, widths, left=(0,))
        self._prose(WARD_REASONS_NOTE)

    def _reason_label(self, item: Mapping) -> str:
        return self.reason_labels.get(item["code"]) or item.get("label") or item["code"]

    def _kiosk(self) -> None:
        """Surveys begun at the tablets and how they ended, beside the previous period."""
        kiosk = self.s["kiosk"]
        if not kiosk.get("started"):
            self._prose(NO_KIOSK)
            return
        sentence = KIOSK_SENTENCE.format(
            started=vi_number(kiosk["started"], 0),
            completed=vi_number(kiosk["completed"], 0),
            partial=vi_number(kiosk["partial"], 0),
            abandoned=vi_number(kiosk["abandoned"], 0),
            pct=_pct(kiosk.get("completion_pct")),
        )
        before = (self.previous.get("kiosk") or {}).get("completion_pct")
        if before is not None:
            change = ((self.s.get("changes") or {}).get("kiosk") or {}).get("completion_pct")
            sentence += f" (kỳ trước: {_pct(before)}; {_change(change, 1, 'điểm phần trăm')})"
        self._prose(sentence + ".")

    # --- writing helpers ---------------------------------------------------------------------

    def _question_text(self, code: str) -> str:
        return self.texts.get(code) or code

    @staticmethod
    def _period_name(summary: Mapping) -> str:
        period = summary.get("period") or {}
        return period.get("title") or period.get("label") or DASH

    def _heading(self, text: str) -> Paragraph:
        """A section (I, II …): bold, a little more room above than a sub-heading."""
        paragraph = self._subheading(text)
        paragraph.paragraph_format.space_before = Pt(12)
        return paragraph

    def _subheading(self, text: str) -> Paragraph:
        """A numbered sub-heading (1, 2 …): bold, kept on the page of what follows it."""
        paragraph = self._prose(text)
        paragraph.runs[0].bold = True
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def _prose(self, text: str) -> Paragraph:
        """A body paragraph: justified, first-line indent, the Normal style's 14 pt."""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = FIRST_LINE_INDENT
        paragraph.add_run(text)
        return paragraph

    def _table(
        self,
        caption: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        widths_cm: Sequence[float],
        left: Sequence[int] = (0,),
    ) -> Table:
        """A numbered, captioned grid: header row bold and repeated on every page, 13 pt, text
        columns (`left`) aligned left and figures centred."""
        self.tables += 1
        title = _line(self.doc, f"Bảng {self.tables}: {caption}", size=SMALL_PT, bold=True)
        title.paragraph_format.space_before = PARAGRAPH_GAP
        title.paragraph_format.space_after = Pt(3)
        title.paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_cm, strict=True):
            column.width = Cm(width)
        for cell, text, width in zip(table.rows[0].cells, headers, widths_cm, strict=True):
            cell.width = Cm(width)
            _line(cell, text, size=SMALL_PT, bold=True)
        _repeat_as_header(table.rows[0])
        for values in rows:
            for index, (cell, text) in enumerate(zip(table.add_row().cells, values, strict=True)):
                align = WD_ALIGN_PARAGRAPH.LEFT if index in left else WD_ALIGN_PARAGRAPH.CENTER
                _line(cell, text, size=SMALL_PT, align=align)
        return table

    def _chart(self, kind: str) -> None:
        """The chart of this kind, if given, centred, with its "Biểu đồ N" caption under it."""
        png = self.charts.get(kind)
        if png is None:
            return
        self.figures += 1
        holder = _line(self.doc, "", size=SMALL_PT)
        # Single spacing, never an exact height: a picture in a paragraph of exact line height
        # is clipped to that height (Word and LibreOffice both show a sliver of it).
        holder.paragraph_format.line_spacing = 1.0
        holder.paragraph_format.space_before = PARAGRAPH_GAP
        holder.paragraph_format.keep_with_next = True
        holder.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
        caption = f"Biểu đồ {self.figures}: {CHART_CAPTIONS[kind]}"
        _line(self.doc, caption, size=SMALL_PT, italic=True).paragraph_format.space_after = Pt(6)


# --- formatting ------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return vi_number(value, 1, "%")


def _optional_pct(value: float | None) -> str:
    """A share that is None for want of a denominator, not by suppression."""
    return DASH if value is None else _pct(value)


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + vi_number(value, 1)


def _change(value: float | None, places: int, unit: str) -> str:
    if value is None:
        return "chưa so sánh được"
    if value == 0:
        return "không thay đổi"
    direction = "tăng" if value > 0 else "giảm"
    return f"{direction} {vi_number(abs(value), places)} {unit}"


def _interval(ci95: Sequence[float] | None) -> str:
    if not ci95:
        return ""
    return f" (khoảng tin cậy 95%: {_pct(ci95[0])}–{_pct(ci95[1])})"


def _count(figures: Mapping, key: str) -> str:
    value = figures.get(key)
    return DASH if value is None else vi_number(value, 0)


def _figure(figures: Mapping, key: str, places: int) -> str:
    """A dossier figure; a missing one is a figure not entered (—), never a suppressed cell."""
    value = figures.get(key)
    if value is None:
        return DASH
    return _pct(value) if places else vi_number(value, 0)


def _points(value: float | None) -> str:
    return NO_DATA if value is None else vi_number(value, 1)


def _tt01_value(indices: Mapping, number: int) -> float | None:
    """The summary keys indices by their text (JSON); tolerate numbers too."""
    value = indices.get(str(number))
    return value if value is not None else indices.get(number)


def _tt01_total_sentence(total: Mapping) -> str:
    score = total.get("score")
    if score is None:
        return "Chưa có chỉ số nào có số liệu trong kỳ."
    sentence = f"Tổng điểm các chỉ số có số liệu: {vi_number(score)}/{total.get('max')} điểm"
    band = total.get("band")
    if band:
        return f"{sentence}; xếp loại: {TT01_BANDS.get(band, band)}."
    missing = ", ".join(str(number) for number in total.get("missing") or [])
    return f"{sentence}; chưa xếp loại vì các chỉ số {missing} chưa có số liệu."


def _labelled(figures: Mapping, labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(key, Vietnamese label) of the keys present, in the labels' order, then any other key
    under its own name, so a figure added to the summary later is never dropped."""
    known = [(key, label) for key, label in labels.items() if key in figures]
    other = [(key, key) for key in figures if key not in labels]
    return known + other


def _day_month(on: date) -> tuple[str, str]:
    return f"{on.day:02d}", f"{on.month:02d}" if on.month <= 2 else str(on.month)


def _short_date(on: date) -> str:
    day, month = _day_month(on)
    return f"{day}/{month}/{on.year}"


# --- python-docx plumbing ----------------------------------------------------------------------


def _set_up_page(doc) -> None:
    """A4 portrait, NĐ 30 margins, page numbers centred in the top margin from page 2 on."""
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind in ("begin", None, "end"):
        run = number.add_run()
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = "PAGE"
        run._r.append(element)


def _set_up_fonts(doc) -> None:
    """Times New Roman everywhere, Vietnamese as the proofing language.

    The template's defaults name theme fonts (asciiTheme …), which Word prefers to a named font
    and which differ for east-Asian and complex-script text, so every slot is named explicitly
    both in the document defaults and in the Normal style.
    """
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = PARAGRAPH_GAP, Pt(0), LINE_SPACING
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    for rfonts in (normal.element.rPr.rFonts, defaults.find(qn("w:rPr")).find(qn("w:rFonts"))):
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(theme), None)
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(slot), FONT)
    language = defaults.find(qn("w:rPr")).find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:val"), "vi-VN")


def _text_width_cm(doc) -> float:
    section = doc.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / Cm(1)


# What may follow tblBorders and tblCellMar in a table's properties (the schema fixes the order).
TBLPR_AFTER_CELL_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", *TBLPR_AFTER_CELL_MARGINS)


def _layout_table(doc, widths_cm: Sequence[float], rows: int) -> Table:
    """A borderless table used only to place blocks side by side (header, closing)."""
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.insert_element_before(borders, *TBLPR_AFTER_BORDERS)
    # No inner cell margins, so the measured rules and the Quốc hiệu fit their columns.
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), "0")
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.insert_element_before(margins, *TBLPR_AFTER_CELL_MARGINS)
    return table


def _next_paragraph(container) -> Paragraph:
    """A new paragraph in the document or a cell; a cell's own first, untouched paragraph is
    used before adding any, so cells do not start with a blank line."""
    if isinstance(container, _Cell):
        first = container.paragraphs[0]
        if len(container.paragraphs) == 1 and len(first._p) == 0:
            return first
    return container.add_paragraph()


def _line(container, text: str, *, size: int, bold=False, italic=False, align=None) -> Paragraph:
    """A short line without indent or spacing (header, tables, captions, signature); centred
    unless told otherwise."""
    paragraph = _next_paragraph(container)
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if align is None else align
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    if text:
        _run(paragraph, text, size=size, bold=bold, italic=italic)
    else:
        # An empty line takes its height from the paragraph mark.
        paragraph.paragraph_format.line_spacing = Pt(size * 1.15)
    return paragraph


def _run(paragraph: Paragraph, text: str, *, size: int, bold=False, italic=False):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold or None
    run.italic = italic or None
    return run


def _rule(container, length_cm: float, available_cm: float) -> Paragraph:
    """A centred horizontal line of a given length: the bottom border of an empty, thin
    paragraph whose indents leave exactly that length between them."""
    paragraph = _next_paragraph(container)
    # pBdr comes before spacing, indents and alignment in a paragraph's properties: add it
    # first, python-docx then places the others after it.
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(2)
    side = Cm(max(available_cm - length_cm, 0) / 2)
    fmt.left_indent = fmt.right_indent = side
    fmt.first_line_indent = Cm(0)
    return paragraph


def _repeat_as_header(row) -> None:
    """Repeat the header row at the top of every page the table runs onto."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)
