"""Phụ lục XLSX: the annex of the period report that the reform office files, as a workbook.

It renders one summary object (`service.summary`) and the caller's already masked comments and
computes no figure of its own: every number is copied from the summary, stored as a number with
a number format, and a figure the summary withheld (None) reads as text instead ("chưa đủ số
phiếu" for a small cell, other words where None means no data). The document is always in
Vietnamese; its fixed texts live in VIETNAMESE, so another language is one more table.

Every text cell goes through `flat.neutralise`, so a comment or a name that looks like a
formula stays text in any spreadsheet.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..timeutil import LOCAL_TZ, as_utc
from .flat import neutralise
from .service import breakdown_rows, reason_cell, reason_columns
from .wording import CASE_CHANNELS, CASE_KINDS, RESPONSE_CHANNELS

COUNT = "#,##0"
PCT = "0.0"  # percentages and indices (one decimal in the summary)
POINTS = "0.00"  # points and mean scores
DATETIME = "dd/mm/yyyy hh:mm"
# Changes carry their sign, so a fall is as visible as a rise.
SIGNED = {COUNT: "+#,##0;-#,##0;0", PCT: "+0.0;-0.0;0.0", POINTS: "+0.00;-0.00;0.00"}

MIN_WIDTH, MAX_WIDTH = 8, 60
WIDE_SHEET = 6  # columns beyond which a sheet prints landscape

LIKERT = ("1", "2", "3", "4", "5")
FACTORS = ("F1", "F2", "F3", "F4", "F5")
TT01_NUMBERS = tuple(str(n) for n in range(1, 10))
QD766 = ("5.2", "5.3", "5.4")

# The document's fixed texts. Placeholders are str.format names.
VIETNAMESE = {
    "sheets": {
        "overview": "Tổng hợp",
        "wards": "Đơn vị",
        "questions": "Câu hỏi",
        "reasons": "Lý do chưa hài lòng",
        "kiosk": "Máy tính bảng",
        "officers": "Cán bộ",
        "dossiers": "Hồ sơ (Biểu 06)",
        "cases": "Phản ánh, kiến nghị",
        "comments": "Ý kiến",
    },
    "missing": {
        "suppressed": "chưa đủ số phiếu",
        "no_data": "chưa có dữ liệu",
        "no_dossiers": "chưa có số liệu hồ sơ",
        "none": "—",
    },
    "title": "Phụ lục: kết quả đánh giá sự hài lòng của người dân, doanh nghiệp",
    "unit": "Đơn vị: {name} (mã {code})",
    "period": "Kỳ báo cáo: {title} ({label}), từ ngày {start} đến ngày {end}",
    "previous_period": "Kỳ trước: {title} ({label}), từ ngày {start} đến ngày {end}",
    "overview_header": ("Chỉ tiêu", "Kỳ này", "Kỳ trước", "Thay đổi"),
    "sections": {
        "ratings": "Đánh giá của người dân, doanh nghiệp",
        "tt01": "Chỉ số theo Thông tư 01/2018/TT-VPCP (điểm 0–2)",
        "qd766": "QĐ 766/QĐ-TTg, nhóm 5 – Mức độ hài lòng (ước tính)",
        "channels": "Số phiếu theo kênh đánh giá",
        "hotline": "Đường dây nóng",
        "paper": "Hòm thư, sổ góp ý",
        "kiosk": "Khảo sát tại máy tính bảng",
        "by_channel": "Theo kênh tiếp nhận",
        "by_kind": "Theo loại",
    },
    "rows": {
        "responses": "Số phiếu đánh giá",
        "suspicious": "Phiếu nghi ngờ (đã loại khỏi mọi số liệu)",
        "satisfaction_index": "Chỉ số hài lòng (%, ước tính nội bộ)",
        "ci_low": "Chỉ số hài lòng: khoảng tin cậy 95%, cận dưới",
        "ci_high": "Chỉ số hài lòng: khoảng tin cậy 95%, cận trên",
        "overall": "Tỷ lệ hài lòng chung (%)",
        "factor_index": "{factor}: chỉ số (%)",
        "factor_n": "{factor}: số phiếu",
        "coverage": "Tỷ lệ phản hồi (% hồ sơ đã giải quyết)",
        "tt01_index": "Chỉ số {number}: {name}",
        "tt01_score": "Tổng điểm",
        "tt01_max": "Điểm tối đa (các chỉ số có dữ liệu)",
        "tt01_band": "Xếp loại",
        "qd766_pct": "{code} {name} (%) – ước tính",
        "qd766_points": "{code} Điểm – ước tính",
        "qd766_max": "{code} Điểm tối đa",
    },
    "notes": {
        "tt01_reference": (
            "Ghi chú: tham chiếu TT 01/2018 (nội bộ) – từ 01/7/2025 NĐ 118/2025/NĐ-CP thay thế "
            "NĐ 61/2018/NĐ-CP, chưa có cách chấm điểm thay thế."
        ),
        "spans_reform": (
            "Ghi chú: kỳ báo cáo bao gồm ngày 01/7/2025 (NĐ 118/2025/NĐ-CP thay thế NĐ "
            "61/2018/NĐ-CP); điểm TT 01/2018 chỉ chính thức cho những ngày trước đó."
        ),
        "qd766": "Ghi chú: số liệu QĐ 766 là ước tính từ dữ liệu nội bộ; Cổng DVC quốc gia tính "
        "số liệu chính thức.",
        "dossiers": (
            "Bố cục theo Biểu 06/VPCP/KSTT (TT 01/2020/TT-VPCP), tạm thời; chỉ gồm các cột có "
            "số liệu trong báo cáo."
        ),
    },
    "tt01_incomplete": "chưa đủ 9 chỉ số (thiếu: {missing})",
    "officer_incomplete": "chưa đủ 5 chỉ số (thiếu: {missing})",
    "tt01_indices": {
        "1": "Thời gian giải quyết so với quy định",
        "2": "Thời gian giải quyết của từng cơ quan",
        "3": "Số lần phải liên hệ để hoàn thiện hồ sơ",
        "4": "Số cơ quan phải liên hệ",
        "5": "Tiếp nhận, giải quyết, trả kết quả tại Bộ phận Một cửa",
        "6": "Công khai thủ tục hành chính",
        "7": "Thái độ của công chức",
        "8": "Tiếp nhận, xử lý phản ánh, kiến nghị",
        "9": "Cung cấp dịch vụ công trực tuyến",
    },
    "bands": {
        "excellent": "Xuất sắc",
        "good": "Tốt",
        "fair": "Khá",
        "average": "Trung bình",
        "poor": "Yếu",
        "full": "Hoàn thành 100%",
        "from_70": "Hoàn thành từ 70% đến dưới 100%",
        "under_70": "Hoàn thành dưới 70%",
    },
    "qd766": {
        "5.2": "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn",
        "5.3": "Mức độ hài lòng về việc xử lý phản ánh, kiến nghị",
        "5.4": "Mức độ hài lòng về giải quyết thủ tục hành chính",
    },
    "factors": {
        "F1": "F1 · Tiếp cận dịch vụ",
        "F2": "F2 · Thủ tục hành chính",
        "F3": "F3 · Công chức",
        "F4": "F4 · Kết quả",
        "F5": "F5 · Tiếp nhận, xử lý góp ý, phản ánh",
        "overall": "Mức độ hài lòng chung",
    },
    "response_channels": RESPONSE_CHANNELS,
    "kiosk": {
        "started": "Số lượt khảo sát bắt đầu",
        "completed": "Số lượt hoàn thành",
        "partial": "Số lượt dừng giữa chừng (vẫn tính các câu đã trả lời)",
        "abandoned": "Số lượt bỏ dở, chưa đánh giá",
        "completion_pct": "Tỷ lệ hoàn thành (%)",
    },
    "hotline": {
        "calls": "Cuộc gọi",
        "missed": "Cuộc gọi nhỡ",
        "voicemails": "Tin nhắn thoại",
        "sms": "Tin nhắn SMS",
        "callbacks_pending": "Cuộc gọi lại đang chờ",
    },
    "paper": {
        "box_openings": "Số lần mở hòm thư góp ý",
        "slips_counted": "Số phiếu, thư đếm được khi mở hòm",
        "slips_entered": "Số phiếu, thư đã nhập",
        "book_entries": "Số ý kiến ghi sổ góp ý",
    },
    "wards_header": (
        "Mã đơn vị",
        "Tên đơn vị",
        "Số phiếu",
        "Chỉ số hài lòng (%)",
        "KTC 95%: cận dưới",
        "KTC 95%: cận trên",
        "Tỷ lệ hài lòng chung (%)",
        "Chỉ số kỳ trước (%)",
        "Thay đổi",
    ),
    "no_wards": "Không có đơn vị trực thuộc",
    "questions_header": (
        "Mã",
        "Nội dung câu hỏi",
        "Nhóm tiêu chí",
        "Số trả lời",
        "Điểm trung bình",
        "Tỷ lệ hài lòng (%)",
        "KTC 95%: cận dưới",
        "KTC 95%: cận trên",
    ),
    "likert": {
        "1": "Rất không hài lòng (1)",
        "2": "Không hài lòng (2)",
        "3": "Bình thường (3)",
        "4": "Hài lòng (4)",
        "5": "Rất hài lòng (5)",
    },
    "no_questions": "Không có câu trả lời trong kỳ",
    "reasons_title": "Lý do người dân đánh giá chưa hài lòng (đánh giá chung 1–2)",
    "reasons_note": (
        "Người đánh giá 1 hoặc 2 được hỏi điều gì chưa tốt và có thể chọn nhiều lý do; tỷ lệ = "
        "số lượt chọn / số đánh giá 1–2 × 100. Đơn vị có ít đánh giá 1–2 hơn ngưỡng tối thiểu: "
        "chưa đủ số phiếu."
    ),
    "reasons_header": ("Mã đơn vị", "Tên đơn vị", "Số đánh giá 1–2"),
    "reason_count": "{label}: số lượt chọn",
    "reason_pct": "{label}: % trên số đánh giá 1–2",
    "no_reasons": "Phiếu khảo sát không có câu hỏi về lý do",
    "kiosk_title": "Khảo sát tại máy tính bảng: số lượt bắt đầu và kết thúc",
    "kiosk_header": (
        "Mã đơn vị",
        "Tên đơn vị",
        "Bắt đầu",
        "Hoàn thành",
        "Dừng giữa chừng",
        "Bỏ dở, chưa đánh giá",
        "Tỷ lệ hoàn thành (%)",
        "Kỳ trước (%)",
        "Thay đổi",
    ),
    "internal": "Nội bộ – không công bố",
    "officers_title": "Kết quả theo cán bộ",
    "officers_header": (
        "Bộ phận Một cửa",
        "Cán bộ",
        "Số phiếu",
        "Chỉ số hài lòng (%)",
        "Tỷ lệ hài lòng chung (%)",
        "Điểm TT 01 (cán bộ)",
        "Điểm tối đa",
        "Xếp loại",
    ),
    "no_officer": "(chưa ghi nhận cán bộ)",
    "no_rows": "Không có số liệu trong kỳ",
    "dossiers_title": "Tình hình giải quyết hồ sơ thủ tục hành chính",
    "dossiers_groups": (
        ("Kỳ", 1),
        ("Số hồ sơ nhận giải quyết", 1),
        ("Số hồ sơ đã giải quyết", 3),
        ("Số hồ sơ đang giải quyết", 1),
    ),
    "dossiers_header": (
        "Kỳ",
        "Tổng số",
        "Tổng số",
        "Trước hạn, đúng hạn (%)",
        "Quá hạn",
        "Quá hạn",
    ),
    "no_dossiers": "Chưa có số liệu hồ sơ",
    "this_period": "Kỳ này: {title}",
    "last_period": "Kỳ trước: {title}",
    "cases_title": "Tiếp nhận, xử lý phản ánh, kiến nghị",
    "cases_header": ("Chỉ tiêu", "Kỳ này", "Kỳ trước"),
    "cases": {
        "received": "Số phản ánh, kiến nghị tiếp nhận",
        "answered": "Đã trả lời",
        "answered_on_time_pct": "Tỷ lệ trả lời đúng hạn (%)",
        "overdue": "Quá hạn cuối kỳ",
        "forwarded": "Chuyển cơ quan có thẩm quyền",
        "rejected": "Không tiếp nhận",
    },
    "verdicts": {
        "hai_long": "Người dân hài lòng với kết quả trả lời",
        "khong_hai_long": "Người dân không hài lòng với kết quả trả lời",
    },
    "case_channels": CASE_CHANNELS,
    "case_kinds": {code: name.capitalize() for code, name in CASE_KINDS.items()},
    "comments_title": "Ý kiến của người dân (số điện thoại, số định danh đã được che)",
    "comments_header": (
        "Thời gian",
        "Đơn vị",
        "Bộ phận Một cửa",
        "Đánh giá chung (1–5)",
        "Mã phản ánh",
        "Nội dung ý kiến",
    ),
    "no_comments": "Không có ý kiến trong kỳ",
    "comments_cut": (
        "Chỉ gồm {n} ý kiến mới nhất của kỳ; xem toàn bộ tại trang Ý kiến (/reports/comments)."
    ),
    "properties_title": "Phụ lục báo cáo kết quả đánh giá – {unit} – {period}",
    "properties_subject": "Kết quả đánh giá sự hài lòng của người dân, doanh nghiệp",
}

CREATOR = "feedback-app"
BOLD = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
TEXT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def workbook(
    summary: dict,
    *,
    comments: Iterable[dict] = (),
    comments_cut_at: int | None = None,
    officers: bool = False,
    question_texts: Mapping[str, str | Mapping] | None = None,
    reason_labels: Mapping[str, str] | None = None,
) -> bytes:
    """The annex as XLSX bytes: overview, wards, questions, (officers), dossiers, cases,
    comments (`comments_cut_at`: the period had more than this many, and the sheet says the
    newest are shown). `question_texts` maps a question code to its Vietnamese wording (a mapping of
    `service.question_info` shape, with "text" and "factor", is taken too); the officers sheet
    appears only when asked for and the summary carries officers. `reason_labels` names the
    reasons in Vietnamese by code (else the summary's labels)."""
    t = VIETNAMESE
    book = Workbook()
    book.remove(book.active)
    _overview(_Sheet(book, t["sheets"]["overview"]), summary, t)
    _wards(_Sheet(book, t["sheets"]["wards"]), summary, t)
    _questions(_Sheet(book, t["sheets"]["questions"]), summary, question_texts or {}, t)
    _reasons(_Sheet(book, t["sheets"]["reasons"]), summary, reason_labels or {}, t)
    _kiosk(_Sheet(book, t["sheets"]["kiosk"]), summary, t)
    desks = [d for d in summary.get("desks") or () if d.get("officers") is not None]
    if officers and desks:
        _officers(_Sheet(book, t["sheets"]["officers"]), desks, summary, t)
    _dossiers(_Sheet(book, t["sheets"]["dossiers"]), summary, t)
    _cases(_Sheet(book, t["sheets"]["cases"]), summary, t)
    _comments(_Sheet(book, t["sheets"]["comments"]), comments, t, comments_cut_at)
    book.properties.title = t["properties_title"].format(
        unit=summary["unit"]["name"], period=summary["period"].get("title", "")
    )
    book.properties.subject = t["properties_subject"]
    book.properties.creator = CREATOR
    book.properties.language = "vi-VN"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- Cells and sheets ---------------------------------------------------------------------------


def _get(data, *keys):
    """data[k1][k2]… through mappings and lists (an int key indexes a list, as in ci95[0]), or
    None as soon as a level is missing: keys being added to the summary may be absent."""
    for key in keys:
        if isinstance(data, Mapping):
            data = data.get(key)
        elif (
            isinstance(data, list | tuple)
            and isinstance(key, int)
            and -len(data) <= key < len(data)
        ):
            data = data[key]
        else:
            return None
    return data


def _num(value, fmt: str, missing: str | None):
    """A number cell with its format, or the text saying why there is no number."""
    if value is None:
        return missing
    return (value, fmt)


def _change(value, fmt: str):
    """A change since the previous period: signed, blank when the summary gives none."""
    return None if value is None else (value, SIGNED[fmt])


def _text(value: str) -> str:
    """A text cell: characters XML cannot hold dropped, a formula-like start neutralised."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def _shown_length(value, fmt: str | None) -> int:
    """About how many characters a cell shows, for the column width."""
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if isinstance(value, datetime | date):
        return 16
    if fmt == COUNT or fmt == SIGNED[COUNT]:
        return len(f"{value:+,}")
    if isinstance(value, int | float):
        return len(f"{value:+.2f}")
    return len(str(value))


class _Sheet:
    """One worksheet filled top to bottom: title rows, a header, then the table. Counts its own
    rows (openpyxl's max_row scans every cell) and remembers the widest content of each column
    below the title so `finish` can size the columns."""

    def __init__(self, book: Workbook, name: str):
        self.ws: Worksheet = book.create_sheet(name)
        self.widths: dict[int, int] = {}
        self.header_rows: tuple[int, int] | None = None
        self.last_row = 0
        self.columns = 1

    def title(self, *lines: str) -> None:
        """Lines above the table, the first in bold; a blank line after them."""
        for i, line in enumerate(lines):
            self.last_row += 1
            cell = self.ws.cell(row=self.last_row, column=1, value=_text(line))
            if i == 0:
                cell.font = BOLD
        self.last_row += 1

    def note(self, text: str) -> None:
        """A line of explanation inside the table, left out of the column widths (it may run
        across the empty cells beside it)."""
        self.last_row += 1
        self.ws.cell(row=self.last_row, column=1, value=_text(text))

    def header(self, labels: Iterable[tuple[str, int] | str]) -> None:
        """A bold header row (a label may span several columns); the first header row starts
        the table: rows down to the last one are frozen and printed on every page."""
        self.last_row += 1
        column = 1
        for item in labels:
            label, span = item if isinstance(item, tuple) else (item, 1)
            cell = self.ws.cell(row=self.last_row, column=column, value=_text(label))
            cell.font = BOLD
            cell.alignment = HEADER_ALIGNMENT
            if span > 1:
                self.ws.merge_cells(
                    start_row=self.last_row,
                    start_column=column,
                    end_row=self.last_row,
                    end_column=column + span - 1,
                )
            else:
                self._measure(column, cell.value, None)
            column += span
        self.columns = max(self.columns, column - 1)
        first = self.header_rows[0] if self.header_rows else self.last_row
        self.header_rows = (first, self.last_row)

    def row(self, cells: Iterable, *, bold: bool = False, wrap: Iterable[int] = ()) -> None:
        """A table row; each cell is text, None, or a (number, format) pair from `_num`."""
        self.last_row += 1
        wrap = set(wrap)
        for column, item in enumerate(cells, start=1):
            fmt = None
            if isinstance(item, tuple):
                item, fmt = item
            elif isinstance(item, str):
                item = _text(item)
            if item is None:
                continue
            cell = self.ws.cell(row=self.last_row, column=column, value=item)
            if fmt:
                cell.number_format = fmt
            if bold:
                cell.font = BOLD
            if column in wrap:
                cell.alignment = TEXT_ALIGNMENT
            self._measure(column, item, fmt)
            self.columns = max(self.columns, column)

    def many_rows(self, rows: list[list], *, formats: dict[int, str]) -> None:
        """Plain rows in bulk (text, numbers, dates, None), appended whole: the same cells as
        `row` would write, each column's number format set on its cells, the column widths
        measured from the longest value."""
        ws = self.ws
        for values in rows:
            self.last_row += 1
            ws.append([_text(v) if isinstance(v, str) else v for v in values])
            for column, fmt in formats.items():
                if values[column - 1] is not None:
                    ws.cell(row=self.last_row, column=column).number_format = fmt
        for column in range(1, max(len(values) for values in rows) + 1):
            cells = [values[column - 1] for values in rows if len(values) >= column]
            # The longest text and one other value stand for the column: measuring every
            # cell of a long sheet costs more than writing it.
            texts = [value for value in cells if isinstance(value, str)]
            other = next((v for v in cells if v is not None and not isinstance(v, str)), None)
            for value in (max(texts, key=len, default=None), other):
                if value is not None:
                    self._measure(column, value, formats.get(column))
            self.columns = max(self.columns, column)

    def _measure(self, column: int, value, fmt: str | None) -> None:
        self.widths[column] = max(self.widths.get(column, 0), _shown_length(value, fmt))

    def finish(self) -> None:
        """Column widths, frozen header, print titles, page set-up and an autofilter."""
        ws = self.ws
        for column, width in self.widths.items():
            ws.column_dimensions[get_column_letter(column)].width = min(
                MAX_WIDTH, max(MIN_WIDTH, width + 2)
            )
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if self.columns > WIDE_SHEET:
            ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as needed
        if self.header_rows is None:
            return
        first, last = self.header_rows
        ws.freeze_panes = f"A{last + 1}"
        ws.print_title_rows = f"{first}:{last}"
        if self.last_row > last:
            ws.auto_filter.ref = f"A{last}:{get_column_letter(self.columns)}{self.last_row}"


def _period_line(template: str, period: Mapping | None) -> str:
    period = period or {}
    return template.format(
        title=period.get("title", ""),
        label=period.get("label", ""),
        start=_day(period.get("start")),
        end=_day(period.get("end")),
    )


def _day(iso: str | None) -> str:
    """An ISO date as Vietnamese write it (dd/mm/yyyy)."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _heading(sheet: _Sheet, summary: dict, t: dict, *extra: str) -> None:
    sheet.title(
        *extra,
        t["unit"].format(name=summary["unit"]["name"], code=summary["unit"]["code"]),
        _period_line(t["period"], summary["period"]),
    )


# --- 1. Tổng hợp --------------------------------------------------------------------------------


def _overview(sheet: _Sheet, s: dict, t: dict) -> None:
    """Every headline figure beside the previous period's, and the summary's own changes."""
    p = s.get("previous") or {}
    m = t["missing"]
    sheet.title(
        t["title"],
        t["unit"].format(name=s["unit"]["name"], code=s["unit"]["code"]),
        _period_line(t["period"], s["period"]),
        _period_line(t["previous_period"], p.get("period")),
    )
    sheet.header(t["overview_header"])
    rows = t["rows"]

    def both(label, keys, fmt, missing, change=None):
        sheet.row(
            [
                label,
                _num(_get(s, *keys), fmt, missing),
                _num(_get(p, *keys), fmt, missing),
                _change(change, fmt),
            ]
        )

    def section(key):
        sheet.row([t["sections"][key]], bold=True)

    section("ratings")
    both(rows["responses"], ["responses"], COUNT, m["none"], _get(s, "changes", "responses"))
    both(rows["suspicious"], ["suspicious"], COUNT, m["none"])
    both(
        rows["satisfaction_index"],
        ["satisfaction_index"],
        PCT,
        m["suppressed"],
        _get(s, "changes", "satisfaction_index"),
    )
    if s.get("satisfaction_ci95") or p.get("satisfaction_ci95"):
        for label, bound in ((rows["ci_low"], 0), (rows["ci_high"], 1)):
            both(label, ["satisfaction_ci95", bound], PCT, m["suppressed"])
    both(
        rows["overall"],
        ["overall_satisfied_pct"],
        PCT,
        m["suppressed"],
        _get(s, "changes", "questions", "overall", "satisfied_pct"),
    )
    for factor in FACTORS:
        name = t["factors"][factor]
        both(
            rows["factor_index"].format(factor=name),
            ["factors", factor, "index"],
            PCT,
            m["suppressed"],
        )
        both(rows["factor_n"].format(factor=name), ["factors", factor, "n"], COUNT, m["none"])
    both(rows["coverage"], ["coverage_pct"], PCT, m["no_dossiers"])

    section("tt01")
    for number in TT01_NUMBERS:
        label = rows["tt01_index"].format(number=number, name=t["tt01_indices"][number])
        both(label, ["tt01", number], PCT, m["no_data"])
    both(rows["tt01_score"], ["tt01_total", "score"], PCT, m["no_data"])
    both(rows["tt01_max"], ["tt01_total", "max"], COUNT, m["no_data"])
    sheet.row(
        [
            rows["tt01_band"],
            _band(s.get("tt01_total"), t, t["tt01_incomplete"]),
            _band(p.get("tt01_total"), t, t["tt01_incomplete"]),
        ]
    )
    if not s["period"].get("tt01_official", True):
        sheet.note(t["notes"]["tt01_reference"])
    if s["period"].get("spans_reform"):
        sheet.note(t["notes"]["spans_reform"])

    section("qd766")
    for code in QD766:
        name = t["qd766"][code]
        missing = m["no_dossiers"] if code == "5.4" else m["none"]
        both(rows["qd766_pct"].format(code=code, name=name), ["qd766", code, "pct"], PCT, missing)
        both(rows["qd766_points"].format(code=code), ["qd766", code, "points"], POINTS, missing)
        both(rows["qd766_max"].format(code=code), ["qd766", code, "max"], POINTS, m["none"])
    sheet.note(t["notes"]["qd766"])

    section("channels")
    for channel in _keys(t["response_channels"], s.get("channels"), p.get("channels")):
        label = t["response_channels"].get(channel, channel)
        both(label, ["channels", channel], COUNT, m["none"])
    for key, labels in (("hotline", t["hotline"]), ("paper", t["paper"])):
        section(key)
        for name in _keys(labels, s.get(key), p.get(key)):
            both(labels.get(name, name), [key, name], COUNT, m["none"])
    if s.get("kiosk") is not None:
        section("kiosk")
        for name, label in t["kiosk"].items():
            pct = name.endswith("_pct")
            change = _get(s, "changes", "kiosk", name) if pct else None
            both(label, ["kiosk", name], PCT if pct else COUNT, m["none"], change)
    sheet.finish()


def _keys(labels: Mapping, *found: Mapping | None) -> list[str]:
    """The codes present in any of `found`, in the order of the label table, unknown ones after
    in the order seen."""
    seen = [key for part in found for key in (part or {})]
    known = [key for key in labels if key in seen]
    return known + list(dict.fromkeys(key for key in seen if key not in labels))


def _band(total: Mapping | None, t: dict, incomplete: str):
    """A TT 01 total's band, or which indices lack data."""
    if not total:
        return t["missing"]["no_data"]
    if total.get("band"):
        return t["bands"].get(total["band"], total["band"])
    return incomplete.format(missing=", ".join(str(n) for n in total.get("missing") or ()))


# --- 2. Đơn vị ----------------------------------------------------------------------------------


def _wards(sheet: _Sheet, s: dict, t: dict) -> None:
    """One row per child unit, in the summary's order."""
    m = t["missing"]
    _heading(sheet, s, t)
    sheet.header(t["wards_header"])
    children = s.get("children") or []
    for child in children:
        index = child.get("satisfaction_index")
        ci_missing = m["suppressed"] if index is None else m["none"]
        sheet.row(
            [
                child["unit"]["code"],
                child["unit"]["name"],
                _num(child.get("responses"), COUNT, m["none"]),
                _num(index, PCT, m["suppressed"]),
                _num(_get(child, "satisfaction_ci95", 0), PCT, ci_missing),
                _num(_get(child, "satisfaction_ci95", 1), PCT, ci_missing),
                _num(child.get("overall_satisfied_pct"), PCT, m["suppressed"]),
                _num(_get(child, "previous", "satisfaction_index"), PCT, m["suppressed"])
                if child.get("previous")
                else None,
                _change(_get(child, "changes", "satisfaction_index"), PCT),
            ]
        )
    if not children:
        sheet.row([t["no_wards"]])
    sheet.finish()


# --- 3. Câu hỏi ---------------------------------------------------------------------------------


def _questions(sheet: _Sheet, s: dict, texts: Mapping, t: dict) -> None:
    """Each question's figures and its counts per answer, so a reader can re-add any share."""
    m = t["missing"]
    questions = s.get("questions") or {}
    levels = _level_columns(questions)
    _heading(sheet, s, t)
    sheet.header([*t["questions_header"], *(t["likert"].get(k, k) for k in levels)])
    for code, q in questions.items():
        text, factor = _question_meta(code, q, texts)
        suppressed = q.get("mean") is None
        share_missing = m["suppressed"] if suppressed else m["none"]
        counts = q.get("levels")
        if counts is None:
            withheld = _known_levels(code, s) or set(levels)
            level_cells = [m["suppressed"] if k in withheld else None for k in levels]
        else:
            counts = {str(k): v for k, v in counts.items()}
            level_cells = [_num(counts.get(k), COUNT, None) for k in levels]
        sheet.row(
            [
                code,
                text,
                t["factors"].get(factor, factor) if factor else None,
                _num(q.get("n"), COUNT, m["none"]),
                _num(q.get("mean"), POINTS, m["suppressed"]),
                _num(q.get("satisfied_pct"), PCT, share_missing),
                _num(_get(q, "ci95", 0), PCT, share_missing),
                _num(_get(q, "ci95", 1), PCT, share_missing),
                *level_cells,
            ],
            wrap=(2,),
        )
    if not questions:
        sheet.row([t["no_questions"]])
    sheet.finish()


def _level_columns(questions: Mapping) -> list[str]:
    """Likert values 1..5 (when any question has them, or none has counts), then every other
    option code in the order first seen."""
    seen = [str(k) for q in questions.values() for k in (q.get("levels") or {})]
    others = list(dict.fromkeys(k for k in seen if k not in LIKERT))
    likert = any(k in LIKERT for k in seen) or not others
    return [*(LIKERT if likert else ()), *others]


def _known_levels(code: str, s: dict) -> set[str]:
    """The answer codes a withheld question has elsewhere in the summary (previous period,
    child units), so its withheld counts are marked only in its own columns."""
    keys = set()
    for part in (s.get("previous"), *(s.get("children") or ())):
        keys.update(str(k) for k in _get(part, "questions", code, "levels") or ())
    return keys


def _question_meta(code: str, q: Mapping, texts: Mapping) -> tuple[str, str]:
    """A question's wording (the code when unknown) and factor code."""
    given = texts.get(code)
    if isinstance(given, Mapping):
        return given.get("text") or code, given.get("factor") or q.get("factor") or ""
    return given or code, q.get("factor") or ""


# --- 3a. Lý do chưa hài lòng, máy tính bảng -------------------------------------------------------


def _breakdown_name(row: Mapping) -> list:
    """The code and name cells of a row of the unit, a child unit or a desk (no code)."""
    return [row.get("code"), row.get("name") or ""]


def _reasons(sheet: _Sheet, s: dict, labels: Mapping[str, str], t: dict) -> None:
    """The reasons chosen with a low rating, for the unit, each child and each of its desks: a
    count and a share of the low ratings per reason."""
    m = t["missing"]
    rows = breakdown_rows(s)
    columns = reason_columns(rows)
    _heading(sheet, s, t, t["reasons_title"])
    if not columns:
        sheet.row([t["no_reasons"]])
        sheet.finish()
        return
    sheet.note(t["reasons_note"])
    sheet.last_row += 1
    names = [labels.get(code) or label for code, label in columns]
    sheet.header(
        [
            *t["reasons_header"],
            *(
                text.format(label=name)
                for name in names
                for text in (t["reason_count"], t["reason_pct"])
            ),
        ]
    )
    for row in rows:
        reasons = row.get("reasons") or {}
        cells = []
        for code, _label in columns:
            item = reason_cell(reasons, code)
            if item is None or not reasons.get("low_ratings"):
                cells += [None, None]
            else:
                cells += [
                    _num(item.get("count"), COUNT, m["suppressed"]),
                    _num(item.get("pct_of_low"), PCT, m["suppressed"]),
                ]
        sheet.row(
            [*_breakdown_name(row), _num(reasons.get("low_ratings"), COUNT, m["none"]), *cells]
        )
    sheet.finish()


def _kiosk(sheet: _Sheet, s: dict, t: dict) -> None:
    """Surveys begun at the tablets and how they ended, for the unit, each child and each of its
    desks, with the completion rate of the previous period where the summary gives one."""
    m = t["missing"]
    _heading(sheet, s, t, t["kiosk_title"])
    sheet.header(t["kiosk_header"])
    for row in breakdown_rows(s):
        kiosk = row.get("kiosk")
        if kiosk is None:
            continue
        before = _previous_of(s, row)
        sheet.row(
            [
                *_breakdown_name(row),
                *(
                    _num(kiosk.get(key), COUNT, m["none"])
                    for key in ("started", "completed", "partial", "abandoned")
                ),
                _num(kiosk.get("completion_pct"), PCT, m["none"]),
                _num(_get(before, "previous", "kiosk", "completion_pct"), PCT, m["none"])
                if before
                else None,
                _change(_get(before, "changes", "kiosk", "completion_pct"), PCT),
            ]
        )
    sheet.finish()


def _previous_of(s: dict, row: Mapping) -> dict | None:
    """The summary object of a breakdown row that carries a previous period (the unit or a
    child; a desk has none)."""
    if row.get("level") == "unit":
        return s
    if row.get("level") == "child":
        return next(
            (c for c in s.get("children") or () if c["unit"]["code"] == row.get("code")), None
        )
    return None


# --- 4. Cán bộ ----------------------------------------------------------------------------------


def _officers(sheet: _Sheet, desks: list[dict], s: dict, t: dict) -> None:
    """Per officer of each desk: internal only, said on the sheet and on every printed page."""
    m = t["missing"]
    _heading(sheet, s, t, t["internal"], t["officers_title"])
    sheet.ws.oddHeader.center.text = t["internal"]
    sheet.header(t["officers_header"])
    count = 0
    for desk in desks:
        for officer in desk["officers"]:
            total = officer.get("tt01_total") or {}
            count += 1
            sheet.row(
                [
                    desk.get("name") or "",
                    officer.get("name") or t["no_officer"],
                    _num(officer.get("responses"), COUNT, m["none"]),
                    _num(officer.get("satisfaction_index"), PCT, m["suppressed"]),
                    _num(officer.get("overall_satisfied_pct"), PCT, m["suppressed"]),
                    _num(total.get("score"), PCT, m["no_data"]),
                    _num(total.get("max"), COUNT, m["no_data"]),
                    _band(total, t, t["officer_incomplete"]),
                ]
            )
    if not count:
        sheet.row([t["no_rows"]])
    sheet.finish()


# --- 5. Hồ sơ (Biểu 06) -------------------------------------------------------------------------


def _dossiers(sheet: _Sheet, s: dict, t: dict) -> None:
    """The dossier figures of this period and the previous one in the shape of Biểu 06."""
    m = t["missing"]
    p = s.get("previous") or {}
    _heading(sheet, s, t, t["dossiers_title"])
    if s.get("dossiers") is None and p.get("dossiers") is None:
        sheet.row([t["no_dossiers"]])
        sheet.finish()
        return
    sheet.note(t["notes"]["dossiers"])
    sheet.last_row += 1
    sheet.header(t["dossiers_groups"])
    sheet.header(t["dossiers_header"])
    for template, part in ((t["this_period"], s), (t["last_period"], p)):
        figures = part.get("dossiers")
        label = template.format(title=_get(part, "period", "title") or "")
        if figures is None:
            sheet.row([label, t["no_dossiers"]])
            continue
        sheet.row(
            [
                label,
                _num(figures.get("received"), COUNT, m["none"]),
                _num(figures.get("resolved"), COUNT, m["none"]),
                _num(figures.get("on_time_pct"), PCT, m["none"]),
                _num(figures.get("late"), COUNT, m["none"]),
                _num(figures.get("pending_overdue"), COUNT, m["none"]),
            ]
        )
    sheet.finish()


# --- 6. Phản ánh, kiến nghị ---------------------------------------------------------------------


def _cases(sheet: _Sheet, s: dict, t: dict) -> None:
    """Cases received and handled, verdicts, and the split by channel and by kind."""
    m = t["missing"]
    now, before = s.get("cases") or {}, _get(s, "previous", "cases") or {}
    _heading(sheet, s, t, t["cases_title"])
    sheet.header(t["cases_header"])

    def both(label, keys, fmt=COUNT):
        sheet.row(
            [
                label,
                _num(_get(now, *keys), fmt, m["none"]),
                _num(_get(before, *keys), fmt, m["none"]),
            ]
        )

    for key, label in t["cases"].items():
        both(label, [key], PCT if key.endswith("_pct") else COUNT)
    for key, label in t["verdicts"].items():
        both(label, ["verdicts", key])
    for section, labels in (("by_channel", t["case_channels"]), ("by_kind", t["case_kinds"])):
        sheet.row([t["sections"][section]], bold=True)
        for code in _keys(labels, now.get(section), before.get(section)):
            sheet.row(
                [
                    labels.get(code, code),
                    # a code absent from one period's split had no case there
                    (_get(now, section, code) or 0, COUNT),
                    (_get(before, section, code) or 0, COUNT),
                ]
            )
    sheet.finish()


# --- 7. Ý kiến ----------------------------------------------------------------------------------


def _comments(sheet: _Sheet, comments: Iterable[dict], t: dict, cut_at: int | None) -> None:
    """The comments as the caller gave them (masked), in that order. A district's half-year
    holds tens of thousands, so they go in through `many_rows` (whole rows)."""
    sheet.title(t["comments_title"])
    if cut_at is not None:
        sheet.note(t["comments_cut"].format(n=f"{cut_at:,}".replace(",", ".")))
    sheet.header(t["comments_header"])
    rows = []
    for comment in comments:
        rating = comment.get("rating")
        moment = _moment(comment.get("received_at"))
        rows.append(
            [
                moment[0] if isinstance(moment, tuple) else moment,
                comment.get("unit") or "",
                comment.get("desk") or "",
                rating,
                comment.get("case_code"),
                comment.get("text") or "",
            ]
        )
    if rows:
        # The text last, unwrapped: a long comment runs on into the empty cells to its right,
        # and tens of thousands of wrapped cells would double the time to write the sheet.
        sheet.many_rows(rows, formats={1: DATETIME})
    else:
        sheet.row([t["no_comments"]])
    sheet.finish()


def _moment(value):
    """A stored instant as a Vietnamese wall-clock date cell (Excel keeps no time zone);
    text that is not an ISO time stays text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return (as_utc(value).astimezone(LOCAL_TZ).replace(tzinfo=None), DATETIME)
    return value
