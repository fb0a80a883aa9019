"""Dossier figures as files: the downloadable template (CSV, XLSX) and reading an uploaded one.

Pure functions, no database: service.py checks desks, scope, duplicates and sums, and stores.

The file's first row names the columns, each by its key (`received_total`) or by its Vietnamese
heading; the template adds a second row with the keys (keep it or delete it: either works). Then
one row per desk, month and field. `desk_name` and `field` may be left out; columns not listed
in COLUMNS are ignored, so a clerk may keep notes beside the figures. Row numbers in messages are
the spreadsheet's own (the header is row 1), so the clerk finds the row at once.

Cells are values, never formulas: a cell starting with "=" (a formula in an XLSX file, or text
such as "=1+2" in a CSV) is refused where a number is expected and kept as plain text elsewhere;
text written into the template that a spreadsheet would take for a formula (=, +, -, @) is
written as text (XLSX) or behind an apostrophe (CSV), so opening the file never runs anything.
"""

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from ..errors import UserError
from ..models.dossiers import FIGURES
from ..textutil import clean_text


@dataclass(frozen=True)
class Column:
    """A column of the file: its key, its Vietnamese heading, and whether it must be there."""

    key: str
    heading: str
    required: bool = True


COLUMNS = (
    Column("service_point_id", "Mã bộ phận một cửa"),
    Column("desk_name", "Tên bộ phận một cửa", required=False),
    Column("month", "Tháng (YYYY-MM)"),
    Column("field", "Lĩnh vực (để trống: tất cả lĩnh vực)", required=False),
    Column("received_total", "Tiếp nhận: tổng số"),
    Column("received_online", "Tiếp nhận: trực tuyến"),
    Column("received_direct", "Tiếp nhận: trực tiếp, qua bưu chính"),
    Column("received_carried_over", "Tiếp nhận: từ kỳ trước chuyển sang"),
    Column("resolved_total", "Đã giải quyết: tổng số"),
    Column("resolved_early", "Đã giải quyết: trước hạn"),
    Column("resolved_on_time", "Đã giải quyết: đúng hạn"),
    Column("resolved_late", "Đã giải quyết: quá hạn"),
    Column("pending_total", "Đang giải quyết: tổng số"),
    Column("pending_in_time", "Đang giải quyết: trong hạn"),
    Column("pending_overdue", "Đang giải quyết: quá hạn"),
)
HEADINGS = {column.key: column.heading for column in COLUMNS}
assert tuple(c.key for c in COLUMNS[4:]) == FIGURES  # noqa: S101 - the file follows the model

# An upload larger than this is not a month of figures (a province's month is ~100 KB).
MAX_BYTES = 2 * 1024 * 1024
# What an XLSX file may unpack to: a small file can hide a huge one (a "zip bomb").
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 5000
# Columns read from an XLSX row: the template's and room for notes beside them.
MAX_COLUMNS = 60
MAX_FIGURE = 10_000_000  # dossiers a desk handles in a month: far below, and fits any integer
MAX_FIELD = 120
FIRST_YEAR = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# 2025-03, 2025-3, 03/2025; and the first of the month as a spreadsheet writes a date cell back
# to CSV: 2025-03-01, 01/03/2025 (Vietnamese order), 3/1/2025 (American order).
MONTH_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})(?:-0?1)?$|^(?P<m2>\d{1,2})/(?P<y2>\d{4})$")
FIRST_DAY_RE = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})$")


class Unreadable(UserError):
    """The file cannot be read at all; the message (translated) says why, under the upload."""

    field = "upload"


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file: the spreadsheet row and the column's key, where they apply."""

    row: int | None
    column: str | None
    message: str


@dataclass
class SheetRow:
    """One row of figures as read: checked cell by cell, not yet against the database."""

    row: int
    service_point_id: int
    desk_name: str
    month: date
    field: str
    figures: dict[str, int]


@dataclass
class Sheet:
    """What a file holds: its rows, what was wrong in it, and the rows left without figures."""

    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0


# --- months ---------------------------------------------------------------------------------


def parse_month(value) -> date | None:
    """A month as typed (2025-03, 2025-3, 03/2025), or its first day as a date cell or as a
    spreadsheet writes one (2025-03-01, 01/03/2025, 3/1/2025), as its first day; else None."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    text = clean_text(str(value or "")).lstrip("'")
    if match := MONTH_RE.match(text):
        year, month = match["y"] or match["y2"], match["m"] or match["m2"]
    elif match := FIRST_DAY_RE.match(text):
        # The first of a month, written day first or month first: the part that is not 1.
        first, second = int(match["a"]), int(match["b"])
        if 1 not in (first, second):
            return None
        year, month = match["y"], second if first == 1 else first
    else:
        return None
    if not 1 <= int(month) <= 12:
        return None
    return date(int(year), int(month), 1)


def month_error(month: date, latest: date) -> str | None:
    """Why a month cannot carry figures (before 2000, or not begun by `latest`), or None."""
    if month.year < FIRST_YEAR:
        return _("Enter a month from the year 2000 on.")
    if month > latest.replace(day=1):
        return _("That month has not begun yet.")
    return None


def month_key(month: date) -> str:
    """A month as the files and addresses write it: 2025-03."""
    return f"{month.year:04d}-{month.month:02d}"


# --- cells ----------------------------------------------------------------------------------


def _text(value) -> str:
    """A text cell as kept: cleaned like any typed text; a number cell as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value))


def _is_empty(value) -> bool:
    """A blank cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _whole_number(value) -> int | str:
    """A figure cell as a number 0..MAX_FIGURE, or the (translated) reason it is not one."""
    if isinstance(value, bool) or isinstance(value, datetime | date):
        return _("Write a whole number of dossiers.")
    if isinstance(value, float):
        if not value.is_integer():
            return _("Write a whole number of dossiers.")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("="):
            return _("This is a formula; write the number itself.")
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if not (digits.isascii() and digits.isdigit()):
            return _("Write a whole number of dossiers, digits only.")
        if len(digits) > len(str(MAX_FIGURE)):
            return _("At most %(n)d.", n=MAX_FIGURE)
        value = -int(digits) if negative else int(digits)
    if not isinstance(value, int):
        return _("Write a whole number of dossiers.")
    if value < 0:
        return _("A number of dossiers cannot be negative.")
    if value > MAX_FIGURE:
        return _("At most %(n)d.", n=MAX_FIGURE)
    return value


def _desk_id(value) -> int | str:
    """The desk's number (Mã) as an int, or the reason it is not one."""
    number = _whole_number(value)
    if isinstance(number, str) or number == 0:
        return _("Write the desk's number as in the template.")
    return number


# --- reading --------------------------------------------------------------------------------


def _normalised(value) -> str:
    """A header cell as compared: no accents' variants, case, apostrophe or extra spaces."""
    text = unicodedata.normalize("NFC", _text(value)).lstrip("'").casefold()
    return " ".join(text.split())


LOOKUP = {
    **{_normalised(c.heading): c.key for c in COLUMNS},
    **{c.key: c.key for c in COLUMNS},
}


def _header(cells: list, sheet: Sheet) -> dict[str, int]:
    """Which position each known column has; problems for missing or repeated columns."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = LOOKUP.get(_normalised(cell))
        if key is None:
            continue
        if key in positions:
            sheet.problems.append(
                Problem(1, key, _("This column appears twice; keep one of them."))
            )
        positions[key] = index
    for column in COLUMNS:
        if column.required and column.key not in positions:
            sheet.problems.append(
                Problem(1, column.key, _("This column is missing: use the template's columns."))
            )
    return positions


def _is_key_row(cells: list, positions: dict[str, int]) -> bool:
    """The template's second row: the keys under the headings."""
    return all(
        position < len(cells) and _normalised(cells[position]) == key
        for key, position in positions.items()
    )


def _row(number: int, cells: list, positions: dict[str, int], latest: date, sheet: Sheet):
    """One data row: checked cell by cell; a row without any figure is skipped."""

    def cell(key: str):
        """The row's value in a column (None where the row is short or the column absent)."""
        position = positions.get(key)
        return cells[position] if position is not None and position < len(cells) else None

    if all(_is_empty(cell(name)) for name in FIGURES):
        if not all(_is_empty(value) for value in cells):
            sheet.skipped += 1
        return
    problems: list[Problem] = []
    desk = _desk_id(cell("service_point_id"))
    if isinstance(desk, str):
        problems.append(Problem(number, "service_point_id", desk))
    month = parse_month(cell("month"))
    if month is None:
        problems.append(Problem(number, "month", _("Write the month as 2025-03.")))
    elif error := month_error(month, latest):
        problems.append(Problem(number, "month", error))
    field_name = _text(cell("field"))
    if len(field_name) > MAX_FIELD:
        problems.append(Problem(number, "field", _("At most %(n)d characters.", n=MAX_FIELD)))
    figures = {}
    for name in FIGURES:
        value = cell(name)
        number_or_error = (
            _("Write a number (0 if none).") if _is_empty(value) else _whole_number(value)
        )
        if isinstance(number_or_error, str):
            problems.append(Problem(number, name, number_or_error))
        else:
            figures[name] = number_or_error
    if problems:
        sheet.problems.extend(problems)
        return
    sheet.rows.append(SheetRow(number, desk, _text(cell("desk_name")), month, field_name, figures))


def _rows_of_csv(data: bytes) -> list[list]:
    """The cells of a UTF-8 CSV file (comma, semicolon or tab, as its first line shows)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(
            _("The file is not UTF-8 text: in the spreadsheet, save it as “CSV UTF-8”.")
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [row for _n, row in zip(range(MAX_ROWS + 3), reader, strict=False)]
    except csv.Error:
        raise Unreadable(_("The file could not be read as CSV.")) from None


def _rows_of_xlsx(data: bytes) -> list[list]:
    """The cells of an XLSX file's first sheet, formulas as their text (never computed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        raise Unreadable(_("The file could not be read as XLSX.")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise Unreadable(_("The file is too large. Send at most %(n)d rows.", n=MAX_ROWS))
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not know: not our concern.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                sheet = book.worksheets[0]
                return [
                    list(row)
                    for row in sheet.iter_rows(
                        max_row=MAX_ROWS + 3, max_col=MAX_COLUMNS, values_only=True
                    )
                ]
            finally:
                book.close()
    except Exception:  # a hostile or broken file may fail anywhere inside openpyxl: never a 500
        raise Unreadable(_("The file could not be read as XLSX.")) from None


def read(data: bytes, filename: str, latest: date) -> Sheet:
    """Read an uploaded CSV or XLSX file of figures (every row, every problem); months after
    `latest`'s are refused. Raises Unreadable when the file cannot be read at all."""
    if len(data) > MAX_BYTES:
        raise Unreadable(_("The file is too large: at most %(n)d MB.", n=MAX_BYTES // 2**20))
    if data.startswith(b"PK\x03\x04"):
        rows = _rows_of_xlsx(data)
    elif filename.lower().endswith(".xlsx"):
        raise Unreadable(_("The file could not be read as XLSX."))
    else:
        rows = _rows_of_csv(data)
    while rows and all(_is_empty(value) for value in rows[-1]):
        rows.pop()
    if not rows:
        raise Unreadable(_("The file is empty."))
    if len(rows) > MAX_ROWS + 2:
        raise Unreadable(_("The file is too large. Send at most %(n)d rows.", n=MAX_ROWS))
    sheet = Sheet()
    positions = _header(rows[0], sheet)
    if sheet.problems:
        return sheet
    for index, cells in enumerate(rows[1:], start=2):
        if index == 2 and _is_key_row(cells, positions):
            continue
        _row(index, cells, positions, latest, sheet)
    return sheet


# --- the template ---------------------------------------------------------------------------


def _safe_csv(value: str) -> str:
    """Text a spreadsheet would run as a formula, kept as text behind an apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


def template_csv(desks: list[tuple[int, str]], month: date) -> bytes:
    """The CSV template: headings, keys, and one row to fill per desk (UTF-8 with a BOM, so a
    spreadsheet shows the Vietnamese letters)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([c.heading for c in COLUMNS])
    writer.writerow([c.key for c in COLUMNS])
    for desk_id, name in desks:
        writer.writerow([desk_id, _safe_csv(name), month_key(month), ""] + [""] * len(FIGURES))
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(desks: list[tuple[int, str]], month: date) -> bytes:
    """The XLSX template: the same rows as the CSV; every text cell is text, never a formula."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Bieu06"
    sheet.append([c.heading for c in COLUMNS])
    sheet.append([c.key for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
    for row, (desk_id, name) in enumerate(desks, start=3):
        sheet.cell(row=row, column=1, value=desk_id)
        for column, text in ((2, name), (3, month_key(month))):
            cell = sheet.cell(row=row, column=column, value=text)
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
            cell.number_format = "@"  # and a spreadsheet would turn 2025-03 into a date
    sheet.column_dimensions["B"].width = 40
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
