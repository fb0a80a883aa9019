"""The period report's files and the summary's charts, each rendered from one summary object.

`report(fmt, …)` gives the CSV table, the XLSX annex or the DOCX report, the same for the page's
download buttons and `flask reports summary --format …`; `chart(…)` gives one chart as PNG. The
renderers (flat, xlsx, docx_report, charts) compute no figure of their own; this module only
gathers what they take besides the summary: question wordings, the masked comments, the issuing
body and the charts the report embeds. Charts are kept per (period, unit, figures' version,
kind, language), so a repeated page view, or a report after the page, draws nothing again.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale

from ..cache import TimedCache
from ..models import AdminUnit
from ..privacy import mask_personal_numbers
from ..timeutil import local_today
from . import charts, docx_report, flat, queries, service, xlsx
from .periods import Period

FORMATS = ("csv", "xlsx", "docx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
}
# Charts and report files kept per process (a PNG is some tens of kB, a district's annex with
# its comments some hundreds).
CHART_CACHE_ENTRIES = 128
FILE_CACHE_ENTRIES = 8
# The report is filed in Vietnamese whatever the reader's language: so are its charts.
REPORT_LANGUAGE = "vi"
# A spreadsheet holds many rows, but a report is not an archive: the newest comments this many
# (the sheet says so when a period had more; the comments page lists them all).
EXPORT_COMMENTS_MAX = 20_000
# Words a unit's name starts with that the place-date line leaves out ("Quận Thanh Xuân" →
# "Thanh Xuân"), longest first.
_LEVEL_WORDS = re.compile(
    r"^(Thành phố|Thị xã|Thị trấn|Quận|Huyện|Phường|Xã|Tỉnh|Đặc khu)\s+", re.IGNORECASE
)


@dataclass(frozen=True)
class File:
    """A rendered report: its bytes, media type and a download name."""

    data: bytes
    mimetype: str
    filename: str


def filename(summary: dict, fmt: str) -> str:
    """bao-cao-<unit code>-<period>.<fmt>, in plain ASCII (a range's ".." becomes "_")."""
    label = summary["period"]["label"].replace("..", "_")
    return f"bao-cao-{summary['unit']['code']}-{label}.{fmt}"


def report(
    fmt: str, period: Period, unit: AdminUnit, *, officers: bool = False, summary=None
) -> File:
    """The report in a format. `officers` adds the internal officer sheet or annex (only for
    those allowed to see officers: the caller decides). Made once per version of the figures
    and kept a while, so a second download of an unchanged report costs nothing; a caller that
    passes a `summary` it has just made (the CLI) gets a file made from it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if summary is not None:
        return _render(fmt, period, unit, officers, summary)
    # The summary first: making one folds the waiting answers, which moves the version on.
    recent = service.recent_summary(period, unit, officers=officers)
    key = ("file", fmt, period.label, unit.id, officers, service.data_version())
    return _file_cache().get(
        key, service.cache_seconds(), lambda: _render(fmt, period, unit, officers, recent)
    )


def _render(fmt: str, period: Period, unit: AdminUnit, officers: bool, summary: dict) -> File:
    if fmt == "csv":
        # UTF-8 with a byte-order mark, so Excel opens Vietnamese correctly.
        data = ("\ufeff" + flat.to_csv(summary)).encode("utf-8")
    elif fmt == "xlsx":
        comments, more = _comments(period, unit)
        data = xlsx.workbook(
            summary,
            comments=comments,
            comments_cut_at=EXPORT_COMMENTS_MAX if more else None,
            officers=officers,
            question_texts=service.question_info(summary["questions"], REPORT_LANGUAGE),
            reason_labels=service.reason_labels(REPORT_LANGUAGE),
        )
    else:
        data = docx_report.document(
            summary,
            issuer=issuer(unit),
            charts={kind: chart(period, unit, kind, REPORT_LANGUAGE, summary) for kind in _kinds()},
            officers=officers,
            question_texts={
                code: info["text"]
                for code, info in service.question_info(
                    summary["questions"], REPORT_LANGUAGE
                ).items()
            },
            reason_labels=service.reason_labels(REPORT_LANGUAGE),
            today=_today(),
        )
    return File(data, MIMETYPES[fmt], filename(summary, fmt))


def _file_cache() -> TimedCache:
    return current_app.extensions.setdefault("report_file_cache", TimedCache(FILE_CACHE_ENTRIES))


def _kinds() -> tuple[str, ...]:
    return tuple(kind for kind in charts.KINDS if kind in docx_report.CHART_CAPTIONS)


def chart(
    period: Period,
    unit: AdminUnit,
    kind: str,
    language: str,
    summary=None,
    *,
    officers: bool = False,
) -> bytes:
    """One chart of the unit's period as PNG, in a language; drawn once per version of the
    figures and kept a while (a page view asks for five, a report embeds them). `officers`
    says which recent summary to draw from: the one the viewer's page made (no chart shows
    an officer)."""
    if kind not in charts.KINDS:
        raise ValueError(f"unknown chart {kind!r}")
    # The summary first: making one folds the waiting answers, which moves the version on.
    figures = summary or service.recent_summary(period, unit, officers=officers)
    key = ("chart", period.label, unit.id, kind, language, service.data_version())

    def draw() -> bytes:
        with force_locale(language):
            return charts.render(figures, kind, labels=_chart_labels(figures, kind, language))

    return _chart_cache().get(key, service.cache_seconds(), draw)


def _chart_cache() -> TimedCache:
    return current_app.extensions.setdefault("chart_cache", TimedCache(CHART_CACHE_ENTRIES))


def chart_text(summary: dict, kind: str, language: str) -> str:
    """What a chart shows, in words (its alt text)."""
    return charts.alt_text(summary, kind, labels=_chart_labels(summary, kind, language))


def _chart_labels(summary: dict, kind: str, language: str) -> dict[str, str]:
    """The questions' wordings by code and, for the reasons chart, the reasons' labels
    (charts.REASON_LABEL + code), in the chart's language."""
    labels = {
        code: info["text"]
        for code, info in service.question_info(summary["questions"], language).items()
    }
    if kind == "reasons":
        labels.update(
            {
                charts.REASON_LABEL + code: label
                for code, label in service.reason_labels(language).items()
            }
        )
    return labels


def _comments(period: Period, unit: AdminUnit) -> tuple[list[dict], bool]:
    """The period's newest comments (at most EXPORT_COMMENTS_MAX), phone and ID numbers
    masked, and whether there were more."""
    first, last = period.utc_bounds()
    found, more = queries.comments_page(
        queries.desks_in_tree(unit), first, last, None, 1, EXPORT_COMMENTS_MAX
    )
    return [
        {
            "received_at": c.hour,
            "unit": c.unit,
            "desk": c.desk,
            "rating": c.overall,
            "text": mask_personal_numbers(c.text),
            "case_code": c.case_code,
        }
        for c in found
    ], more


def issuer(unit: AdminUnit) -> dict:
    """Who issues the report (NĐ 30/2020): the People's Committee of the unit, under that of the
    unit above it; the symbol, signer and recipients come from settings with sensible defaults."""
    config = current_app.config
    parent = unit.parent
    above = f"UBND {parent.name}".upper() if parent is not None else None
    recipients = config.get("REPORT_RECIPIENTS") or [
        *([f"UBND {parent.name} (để báo cáo)"] if parent is not None else []),
        "Thường trực HĐND, Lãnh đạo UBND",
        "Phòng Nội vụ",
    ]
    return {
        "above": config.get("REPORT_ISSUER_ABOVE") or above,
        "body": config.get("REPORT_ISSUER") or f"UBND {unit.name}".upper(),
        "symbol": config.get("REPORT_SYMBOL", "BC-UBND"),
        "place": config.get("REPORT_PLACE") or _LEVEL_WORDS.sub("", unit.name),
        "signer_title": config.get("REPORT_SIGNER_TITLE", "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"),
        "signer_name": config.get("REPORT_SIGNER_NAME"),
        "recipients": list(recipients),
    }


def _today() -> date:
    return local_today()
