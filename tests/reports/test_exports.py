"""The period report's files and charts through their public surfaces: /reports/summary.<fmt>,
the chart images of the summary page and `flask reports summary --format …`. Each file is opened
with the library that reads it and its numbers compared with the JSON summary of the same
period and unit."""

import csv
import io
from datetime import datetime

import pytest
from docx import Document
from matplotlib import image
from openpyxl import load_workbook

from feedback_app.extensions import db
from feedback_app.models import ServicePoint
from feedback_app.reports import charts, flat
from tests.conftest import page, rate, sign_in

PERIOD = "2026-Q1"
FORMULA = '=HYPERLINK("http://evil.example","bấm vào đây")'
PHONE = "0912345678"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def rated(app, survey, district):
    """The default survey and a quarter of answers in both wards (enough for every cell),
    with a comment that looks like a formula and one that carries a phone number."""
    for i in range(12):
        rate(
            app,
            district["desk_a"],
            datetime(2026, 2, 3 + i, 9),
            overall=5 - i % 3,
            f1_access=5 - i % 4,
        )
    for i in range(8):
        rate(app, district["desk_b"], datetime(2026, 3, 2 + i, 10), overall=4 - i % 2)
    rate(app, district["desk_a"], datetime(2026, 2, 20, 9), overall=4, comment=FORMULA)
    rate(app, district["desk_b"], datetime(2026, 3, 20, 9), overall=4, comment=f"Gọi {PHONE}")
    return district


def summary_json(client, unit: str = "009") -> dict:
    response = client.get(f"/api/v1/reports/summary?period={PERIOD}&unit={unit}")
    assert response.status_code == 200
    return response.get_json()


def download(client, fmt: str, unit: str = "009", **extra):
    query = "&".join(f"{k}={v}" for k, v in {"period": PERIOD, "unit": unit, **extra}.items())
    return client.get(f"/reports/summary.{fmt}?{query}")


def vi(value: float) -> str:
    """A share the Vietnamese way: 85,3%."""
    return f"{value:.1f}".replace(".", ",") + "%"


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def workbook_values(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_the_xlsx_annex_holds_the_summarys_numbers(app, rated, reform):
    s = summary_json(reform)
    response = download(reform, "xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="bao-cao-009-{PERIOD}.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.data))
    overview = [row for row in book["Tổng hợp"].iter_rows(values_only=True)]
    index_row = next(row for row in overview if row[0] and str(row[0]).startswith("Chỉ số hài"))
    assert 0 < s["satisfaction_index"] < 100
    assert index_row[1] == s["satisfaction_index"] and isinstance(index_row[1], float)
    wards = {row[0]: row for row in book["Đơn vị"].iter_rows(min_row=2, values_only=True)}
    for child in s["children"]:
        row = wards[child["unit"]["code"]]
        assert child["satisfaction_index"] in row and child["responses"] in row
    questions = {row[0]: row for row in book["Câu hỏi"].iter_rows(values_only=True)}
    overall = s["questions"]["overall"]
    assert overall["n"] in questions["overall"] and overall["satisfied_pct"] in questions["overall"]
    for count in overall["levels"].values():
        assert count in questions["overall"]
    # The comments: masked, and a formula stays text.
    texts = [cell.value for row in book["Ý kiến"].iter_rows() for cell in row]
    assert "'" + FORMULA in texts
    assert not any(PHONE in str(value) for value in texts)
    assert not any(
        cell.data_type == "f"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    )
    assert "Cán bộ" not in book.sheetnames  # the officer sheet only when asked


def test_the_docx_report_is_an_administrative_document_with_the_summarys_figures(
    app, rated, reform
):
    s = summary_json(reform)
    response = download(reform, "docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    text = docx_text(response.data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND QUẬN THANH XUÂN" in text.upper()
    assert "BÁO CÁO" in text and "Nơi nhận:" in text
    assert vi(s["satisfaction_index"]) in text
    for child in s["children"]:
        assert child["unit"]["name"] in text
    document = Document(io.BytesIO(response.data))
    # Five charts, one per kind, embedded as pictures.
    assert len(document.inline_shapes) == len(charts.KINDS)
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert "Phụ lục" not in text or "cán bộ" not in text.lower().split("phụ lục", 1)[1]


def test_officer_figures_only_when_asked_by_those_who_may_see_them(app, client, rated):
    sign_in(client, "reform")
    book = load_workbook(io.BytesIO(download(client, "xlsx", "00343", officers=1).data))
    assert "Cán bộ" in book.sheetnames
    with_annex = docx_text(download(client, "docx", "00343", officers=1).data)
    assert "Kết quả theo cán bộ" in with_annex
    manager = sign_in(app.test_client(), "manager_a")
    response = download(manager, "xlsx", "00343", officers=1)
    assert response.status_code == 200
    assert "Cán bộ" not in load_workbook(io.BytesIO(response.data)).sheetnames
    assert "Kết quả theo cán bộ" not in docx_text(
        download(manager, "docx", "00343", officers=1).data
    )


def test_the_csv_table_is_the_summarys_rows_with_a_bom(app, rated, reform):
    s = summary_json(reform)
    response = download(reform, "csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == flat.HEADER
    found = {(row[0], row[3]): row[4] for row in rows[1:]}
    assert float(found[("009", "satisfaction_index")]) == s["satisfaction_index"]
    assert int(found[("009", "responses")]) == s["responses"]


def test_the_cli_writes_the_same_files(app, runner, rated, reform, tmp_path):
    for fmt in ("xlsx", "docx", "csv"):
        target = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            args=[
                "reports",
                "summary",
                "--period",
                PERIOD,
                "--unit",
                "009",
                "--format",
                fmt,
                "--output",
                str(target),
            ]
        )
        assert result.exit_code == 0, result.output
        from_http = download(reform, fmt).data
        if fmt == "xlsx":
            assert workbook_values(target.read_bytes()) == workbook_values(from_http)
        elif fmt == "docx":
            assert docx_text(target.read_bytes()) == docx_text(from_http)
        else:
            assert target.read_bytes() == from_http


def test_exports_obey_the_summarys_access(app, client, rated):
    sign_in(client, "manager_b")
    assert download(client, "docx", "00343").status_code == 404  # another ward's manager
    assert download(client, "xlsx", "00346").status_code == 200
    counter_staff = sign_in(app.test_client(), "counter_a")
    assert download(counter_staff, "csv", "00343").status_code == 403
    anonymous = app.test_client()
    assert download(anonymous, "docx").status_code == 302  # to the sign-in page
    bad = download(client, "docx", "00346", period="2026-13")
    assert bad.status_code == 400 and "Traceback" not in bad.get_data(as_text=True)


def test_the_page_offers_downloads_and_charts_that_state_their_figures(
    app, rated, reform, monkeypatch
):
    s = summary_json(reform)
    body = page(reform.get(f"/reports/summary?period={PERIOD}&unit=009&lang=vi"))
    for fmt in ("docx", "xlsx", "csv"):
        assert f'formaction="/reports/summary.{fmt}"' in body
    assert 'name="officers"' in body  # the reform office may ask for the officer annex
    for kind in charts.KINDS:
        assert f"/reports/summary/charts/{kind}.png?period={PERIOD}" in body
    # The wards chart's text alternative states each ward's index the Vietnamese way.
    for child in s["children"]:
        assert vi(child["satisfaction_index"])[:-1] in body
    drawn = []
    real = charts.render
    monkeypatch.setattr(charts, "render", lambda *a, **k: drawn.append(a[1]) or real(*a, **k))
    url = f"/reports/summary/charts/wards.png?period={PERIOD}&unit=009&lang=vi"
    first = reform.get(url)
    assert first.status_code == 200 and first.mimetype == "image/png"
    pixels = image.imread(io.BytesIO(first.data), format="png")
    assert pixels.shape[1] > 400
    # A repeated page view draws nothing: the chart is kept for this version of the figures.
    reform.get(f"/reports/summary?period={PERIOD}&unit=009&lang=vi")
    again = reform.get(url)
    assert again.data == first.data and drawn == ["wards"]
    # New figures are a new version: the chart is drawn again.
    rate(app, rated_desk(app), datetime(2026, 3, 25, 9), overall=1)
    reform.get(f"/reports/summary?period={PERIOD}&unit=009&lang=vi")
    reform.get(url)
    assert drawn == ["wards", "wards"]


def rated_desk(app) -> int:
    with app.app_context():
        return db.session.query(ServicePoint.id).order_by(ServicePoint.id).first()[0]


def test_small_cells_read_not_enough_responses_in_every_file(app, reform, rated):
    for day in (6, 7, 8):  # three answers in April: below MIN_CELL (5)
        rate(app, rated["desk_a"], datetime(2026, 4, day, 9), overall=2)
    query = "period=2026-04&unit=00343"
    assert reform.get(f"/api/v1/reports/summary?{query}").get_json()["satisfaction_index"] is None
    rows = list(
        csv.reader(
            io.StringIO(reform.get(f"/reports/summary.csv?{query}").data.decode("utf-8-sig"))
        )
    )
    found = {row[3]: row for row in rows[1:]}
    assert found["satisfaction_index"][4] == flat.SUPPRESSED == "chưa đủ số phiếu"
    assert found["question.overall.satisfied_pct"][4] == flat.SUPPRESSED
    assert found["responses"][4] == "3"
    assert flat.SUPPRESSED in docx_text(reform.get(f"/reports/summary.docx?{query}").data)
    book = workbook_values(reform.get(f"/reports/summary.xlsx?{query}").data)
    assert any(flat.SUPPRESSED in row for row in book["Tổng hợp"])


def test_an_unchanged_report_is_made_once_and_a_change_makes_it_again(
    app, rated, reform, monkeypatch
):
    from feedback_app.reports import xlsx

    made = []
    real = xlsx.workbook
    monkeypatch.setattr(xlsx, "workbook", lambda *a, **k: made.append(1) or real(*a, **k))
    first = download(reform, "xlsx").data
    assert download(reform, "xlsx").data == first and len(made) == 1
    # A new answer, once a summary has counted it, is a new version of the figures.
    rate(app, rated_desk(app), datetime(2026, 3, 26, 9), overall=1, comment="Chờ lâu quá")
    summary_json(reform)
    changed = download(reform, "xlsx").data
    assert len(made) == 2
    texts = [v for rows in workbook_values(changed).values() for row in rows for v in row]
    assert "Chờ lâu quá" in texts


def test_an_annex_cut_short_says_so(app, rated, reform, monkeypatch):
    from feedback_app.reports import exports

    monkeypatch.setattr(exports, "EXPORT_COMMENTS_MAX", 1)
    book = workbook_values(download(reform, "xlsx").data)
    sheet = book["Ý kiến"]
    texts = [v for row in sheet for v in row if isinstance(v, str)]
    assert any(text.startswith("Chỉ gồm 1 ý kiến mới nhất") for text in texts)
    assert sum(1 for text in texts if text in (FORMULA, "'" + FORMULA) or "Gọi" in text) == 1
