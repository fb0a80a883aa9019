"""Dossier figures (Biểu 06 shape): the form, CSV and XLSX imports (all or nothing), re-imports,
scope, the templates, access per role, and totals() for the period summary."""

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from feedback_app.dossiers import service, sheets
from feedback_app.extensions import db
from feedback_app.models import AdminUnit, AuditEvent, DossierStat, ServicePoint
from feedback_app.models.dossiers import FIGURES
from feedback_app.timeutil import local_today
from tests.conftest import csrf_token, page, sign_in, translated

KEYS = [column.key for column in sheets.COLUMNS]
# A month that has ended whatever day the tests run.
MARCH = "2025-03"
APRIL = "2025-04"
GOOD = {
    "received_total": 100,
    "received_online": 40,
    "received_direct": 50,
    "received_carried_over": 10,
    "resolved_total": 80,
    "resolved_early": 20,
    "resolved_on_time": 55,
    "resolved_late": 5,
    "pending_total": 20,
    "pending_in_time": 15,
    "pending_overdue": 5,
}


# --- builders ---------------------------------------------------------------------------------


def figures(scale: int = 1, **changes) -> dict[str, int]:
    """Figures whose parts add up (scaled), with some changed."""
    return {**{name: value * scale for name, value in GOOD.items()}, **changes}


def enter(client, desk: int, month: str = MARCH, field: str = "", lang="en", **changes):
    """POST the form for one desk's month as the browser does."""
    data = {
        "csrf_token": csrf_token(client, "/dossiers/new"),
        "service_point_id": desk,
        "month": month,
        "field": field,
        **figures(),
        **changes,
    }
    return client.post(f"/dossiers/new?lang={lang}", data=data)


def csv_bytes(rows: list[list], header=KEYS, delimiter=",", bom=True) -> bytes:
    """A CSV file as a spreadsheet saves it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: list[list], header=KEYS, key_row: bool = False) -> bytes:
    """An XLSX file built with openpyxl, as a clerk's spreadsheet would hold it."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    if key_row:
        sheet.append(KEYS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(desk: int, month=MARCH, field="", name="", **changes) -> list:
    """One row of a file in the template's column order."""
    values = figures(**changes)
    return [desk, name, month, field, *(values[key] for key in FIGURES)]


def upload(client, data: bytes | None, filename: str, lang="en"):
    """POST a file to the import page (no file at all when `data` is None). The body is built
    in memory: the test client would spool a large one to a temporary file it never closes."""
    form = {"csrf_token": csrf_token(client, "/dossiers/import")}
    if data is not None:
        form["upload"] = FileStorage(io.BytesIO(data), filename)
    boundary, body = encode_multipart(form)
    return client.post(
        f"/dossiers/import?lang={lang}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


PROBLEM_RE = re.compile(
    r'<tr>\s*<td class="num">(\d*)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>', re.S
)


def problems_listed(body: str) -> list[tuple[str, str, str]]:
    """The import page's problems: (row, column as shown, message)."""
    return [tuple(" ".join(cell.split()) for cell in found) for found in PROBLEM_RE.findall(body)]


def stored(app) -> list[tuple]:
    """Every stored row as (desk, month, field, received_total, resolved_late), sorted."""
    with app.app_context():
        rows = db.session.scalars(select(DossierStat)).all()
        return sorted(
            (
                r.service_point_id,
                r.month.isoformat()[:7],
                r.field,
                r.received_total,
                r.resolved_late,
            )
            for r in rows
        )


def audit_events(app, action: str) -> list[dict]:
    """The details of the audit events of an action."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [event.detail for event in events]


# --- the form ---------------------------------------------------------------------------------


def test_a_manager_enters_a_desk_month_and_sees_it_listed_with_totals(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    response = enter(manager, district["desk_a"])
    assert response.status_code == 302
    assert f"month={MARCH}" in response.headers["Location"]
    assert stored(app) == [(district["desk_a"], MARCH, "", 100, 5)]
    body = page(manager.get(f"/dossiers/?month={MARCH}&lang=en"))
    assert "Figures saved." in body
    assert "Bộ phận Một cửa Phường Nhân Chính" in body
    assert "Phường Thượng Đình" not in body  # ward B is outside the manager's scope
    assert "<tfoot>" in body
    assert audit_events(app, "dossier_figures_entered") == [
        {"service_point": district["desk_a"], "month": MARCH, "field": "", "replaced": False}
    ]


def test_entering_the_same_desk_month_and_field_again_replaces_it(app, district, reform):
    assert enter(reform, district["desk_a"], field="Hộ tịch").status_code == 302
    changed = figures(2)
    response = enter(reform, district["desk_a"], field="Hộ tịch", **changed)
    assert response.status_code == 302
    assert stored(app) == [(district["desk_a"], MARCH, "Hộ tịch", 200, 10)]
    assert [e["replaced"] for e in audit_events(app, "dossier_figures_entered")] == [False, True]
    # The form opened to correct it shows the stored figures.
    body = page(reform.get(f"/dossiers/new?desk={district['desk_a']}&month={MARCH}&field=Hộ tịch"))
    assert 'name="received_total" required type="number" value="200"' in body
    assert 'name="resolved_late" required type="number" value="10"' in body


def test_totals_that_are_not_the_sum_of_their_parts_are_refused_under_the_total(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    response = enter(manager, district["desk_a"], resolved_total=81, pending_in_time=16)
    body = page(response)
    assert response.status_code == 400
    assert "Early, on time and late add up to 80, not to the total 81." in body
    assert "Within time and overdue add up to 21, not to the total 20." in body
    assert stored(app) == []
    vi = page(enter(manager, district["desk_a"], lang="vi", received_online=41))
    assert translated("Received: total") in vi
    assert "101" in vi and "100" in vi


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"resolved_late": "-1"}, "A number of dossiers cannot be negative."),
        ({"resolved_late": "2.5"}, "Not a valid integer value."),
        ({"resolved_late": "=1+4"}, "Not a valid integer value."),
        ({"resolved_late": ""}, "Write a number (0 if none)."),
        ({"month": "2025/03/x"}, "Write the month as 2025-03."),
        ({"month": "1999-12"}, "Enter a month from the year 2000 on."),
        ({"month": f"{local_today().year + 1}-01"}, "That month has not begun yet."),
    ],
)
def test_the_form_refuses_bad_numbers_and_months_with_a_translated_message(
    app, district, changes, message
):
    manager = sign_in(app.test_client(), "manager_a")
    response = enter(manager, district["desk_a"], **changes)
    assert response.status_code == 400
    assert message in page(response)
    assert translated(message)
    assert stored(app) == []


def test_a_month_is_entered_for_all_fields_or_field_by_field_never_both(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    assert enter(manager, district["desk_a"], field="Hộ tịch").status_code == 302
    response = enter(manager, district["desk_a"], field="")
    assert response.status_code == 400
    assert "This desk's month is entered field by field" in page(response)
    assert enter(manager, district["desk_a"], month=APRIL).status_code == 302
    response = enter(manager, district["desk_a"], month=APRIL, field="Đất đai")
    assert "This desk's month is entered for all fields together" in page(response)
    assert len(stored(app)) == 2


def test_the_form_does_not_take_a_desk_outside_the_scope(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    response = enter(manager, district["desk_b"])
    assert response.status_code == 400
    assert stored(app) == []
    body = page(manager.get("/dossiers/new?lang=en"))
    assert "Phường Thượng Đình" not in body


# --- imports ----------------------------------------------------------------------------------


def test_a_good_csv_import_stores_every_row_and_is_audited_with_counts(app, district, reform):
    data = csv_bytes(
        [
            row(district["desk_a"], field="Hộ tịch", resolved_late=0, resolved_on_time=60),
            row(district["desk_a"], field="Đất đai"),
            row(district["desk_b"], month="04/2025", name="Bộ phận Một cửa Phường Thượng Đình"),
        ],
        delimiter=";",
    )
    response = upload(reform, data, "bieu06.csv")
    assert response.status_code == 302
    assert f"month={MARCH}" in response.headers["Location"]
    assert stored(app) == [
        (district["desk_a"], MARCH, "Hộ tịch", 100, 0),
        (district["desk_a"], MARCH, "Đất đai", 100, 5),
        (district["desk_b"], APRIL, "", 100, 5),
    ]
    body = page(reform.get(f"/dossiers/?month={MARCH}&lang=en"))
    assert "3 rows of figures imported for 2 desk-months." in body
    (detail,) = audit_events(app, "dossier_figures_imported")
    assert detail == {"format": "csv", "rows": 3, "desk_months": 2, "replaced": 0, "skipped": 0}


def test_a_good_xlsx_import_reads_numbers_text_and_date_cells(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    rows = [
        row(district["desk_a"], month=date(2025, 3, 1), name="bộ phận một cửa  phường nhân chính"),
        [str(district["desk_a"]), "", APRIL, "", *(str(figures()[k]) for k in FIGURES)],
        [district["desk_a"], "", "2025-05", "", *(float(figures()[k]) for k in FIGURES)],
        [None] * len(KEYS),  # an empty row in the middle is no row
    ]
    headings = [column.heading for column in sheets.COLUMNS]
    response = upload(manager, xlsx_bytes(rows, header=headings, key_row=True), "bieu06.xlsx")
    assert response.status_code == 302, page(response)
    assert stored(app) == [
        (district["desk_a"], MARCH, "", 100, 5),
        (district["desk_a"], APRIL, "", 100, 5),
        (district["desk_a"], "2025-05", "", 100, 5),
    ]
    assert audit_events(app, "dossier_figures_imported")[0]["format"] == "xlsx"


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row_and_column(
    app, district, reform
):
    rows = [
        row(district["desk_a"]),
        row(district["desk_b"]),
        row(district["desk_district"], resolved_total=81),  # row 4 of the spreadsheet
    ]
    for data, name in ((csv_bytes(rows), "f.csv"), (xlsx_bytes(rows), "f.xlsx")):
        response = upload(reform, data, name)
        body = page(response)
        assert response.status_code == 400
        assert "Nothing was imported: 1 problem to correct." in body
        assert problems_listed(body) == [
            (
                "4",
                "Đã giải quyết: tổng số <code>resolved_total</code>",
                "Early, on time and late add up to 80, not to the total 81.",
            )
        ]
    assert stored(app) == []
    assert audit_events(app, "dossier_figures_imported") == []
    vi = page(upload(reform, csv_bytes(rows), "f.csv", lang="vi"))
    assert "Đã giải quyết: tổng số" in vi
    assert "Chưa nhập gì: có 1 lỗi cần sửa." in vi


def test_every_problem_of_a_file_is_listed_by_row_and_column(app, district, reform):
    rows = [
        row(district["desk_a"], resolved_late=-5),  # 2
        row(district["desk_a"], month="2025-13"),  # 3
        row(999999),  # 4: no such desk
        row(district["desk_a"], pending_overdue="=2+3"),  # 5: a formula-like text
        row(district["desk_b"], resolved_early="1.5"),  # 6
        row(district["desk_b"], field="Hộ tịch"),  # 7
        row(district["desk_b"], field="Hộ tịch"),  # 8: the same as row 7
        row(district["desk_b"], field=""),  # 9: all fields, but row 7 went field by field
        row(district["desk_a"], month=APRIL, name="Bộ phận Một cửa Phường Thượng Đình"),  # 10
        row(district["desk_a"], month=APRIL, received_online="+40"),  # 11
    ]
    body = page(upload(reform, csv_bytes(rows), "f.csv"))
    expected = [
        ("2", "resolved_late", "A number of dossiers cannot be negative."),
        ("3", "month", "Write the month as 2025-03."),
        ("4", "service_point_id", "No desk 999999 within your units."),
        ("5", "pending_overdue", "This is a formula; write the number itself."),
        ("6", "resolved_early", "Write a whole number of dossiers, digits only."),
        ("8", "field", "The same desk, month and field as row 7."),
        ("9", "field", "Row 7 has this desk's month field by field"),
        ("10", "desk_name", "is “Bộ phận Một cửa Phường Nhân Chính”: check the number or"),
        ("11", "received_online", "Write a whole number of dossiers, digits only."),
    ]
    listed = problems_listed(body)
    assert len(listed) == len(expected)
    for (number, column, message), (row_shown, column_shown, message_shown) in zip(
        expected, listed, strict=True
    ):
        assert row_shown == number
        assert column_shown.endswith(f"<code>{column}</code>")
        assert message in message_shown
    assert f"Nothing was imported: {len(expected)} problems to correct." in body
    assert stored(app) == []


def test_reimporting_a_desk_month_replaces_all_its_rows_and_nothing_else(app, district, reform):
    first = [
        row(district["desk_a"], field="Hộ tịch"),
        row(district["desk_a"], field="Đất đai"),
        row(district["desk_a"], month=APRIL),
        row(district["desk_b"]),
    ]
    assert upload(reform, csv_bytes(first), "a.csv").status_code == 302
    again = [row(district["desk_a"], **figures(3))]
    assert upload(reform, csv_bytes(again), "b.csv").status_code == 302
    assert stored(app) == [
        (district["desk_a"], MARCH, "", 300, 15),
        (district["desk_a"], APRIL, "", 100, 5),
        (district["desk_b"], MARCH, "", 100, 5),
    ]
    body = page(reform.get(f"/dossiers/?month={MARCH}&lang=en"))
    assert "1 row of figures imported for 1 desk-months. 2 earlier rows were replaced." in body
    assert audit_events(app, "dossier_figures_imported")[1]["replaced"] == 2


def test_a_desk_outside_the_scope_is_refused_like_an_unknown_one(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    data = csv_bytes([row(district["desk_a"]), row(district["desk_b"])])
    response = upload(manager, data, "f.csv")
    body = page(response)
    assert response.status_code == 400
    assert f"No desk {district['desk_b']} within your units." in body
    assert "Phường Thượng Đình" not in body
    assert stored(app) == []


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (None, "", "Choose a CSV or XLSX file."),
        (b"", "f.csv", "The file is empty."),
        ("received_total\n1\n".encode("utf-16"), "f.csv", "save it as “CSV UTF-8”"),
        (b"PK\x03\x04not really a zip", "f.xlsx", "The file could not be read as XLSX."),
        (b"just text", "f.xlsx", "The file could not be read as XLSX."),
        (b"a,b\n1,2\n", "f.csv", "This column is missing"),
        (b"x" * (sheets.MAX_BYTES + 1), "f.csv", "The file is too large: at most 2 MB."),
    ],
)
def test_an_unreadable_file_is_a_translated_400(app, district, data, name, message, reform):
    response = upload(reform, data, name)
    assert response.status_code == 400
    assert message in page(response)
    assert stored(app) == []


def test_an_xlsx_that_unpacks_to_a_huge_file_is_refused_before_it_is_opened(app, district):
    out = io.BytesIO(xlsx_bytes([row(district["desk_a"])]))
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (sheets.MAX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < sheets.MAX_BYTES
    response = upload(sign_in(app.test_client(), "reform"), out.getvalue(), "f.xlsx")
    assert response.status_code == 400
    assert "The file is too large. Send at most 5000 rows." in page(response)
    assert stored(app) == []


def test_a_template_left_unfilled_imports_nothing(app, district, reform):
    template = reform.get(f"/dossiers/template.xlsx?month={MARCH}").get_data()
    response = upload(reform, template, "bieu06.xlsx")
    assert response.status_code == 400
    assert "The file has no rows of figures." in page(response)


# --- templates --------------------------------------------------------------------------------


def test_the_templates_open_with_headings_keys_and_a_row_per_desk_in_scope(app, district):
    with app.app_context():
        db.session.get(ServicePoint, district["desk_a"]).name = '=HYPERLINK("http://x","a")'
        db.session.commit()
    manager = sign_in(app.test_client(), "manager_a")
    response = manager.get(f"/dossiers/template.csv?month={MARCH}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: the spreadsheet reads UTF-8
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == [column.heading for column in sheets.COLUMNS]
    assert lines[0][4] == "Tiếp nhận: tổng số"
    assert lines[1] == KEYS
    # The desk's name is text behind an apostrophe: the spreadsheet never runs it.
    assert lines[2][:4] == [str(district["desk_a"]), '\'=HYPERLINK("http://x","a")', MARCH, ""]
    assert len(lines) == 3  # ward A's desk only

    response = manager.get(f"/dossiers/template.xlsx?month={MARCH}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [column.heading for column in sheets.COLUMNS]
    assert list(rows[1]) == KEYS
    assert rows[2][:3] == (district["desk_a"], '=HYPERLINK("http://x","a")', MARCH)
    assert sheet.cell(row=3, column=2).data_type == "s"  # text, not a formula
    assert len(rows) == 3


def test_a_filled_in_template_imports(app, district, reform):
    book = load_workbook(io.BytesIO(reform.get(f"/dossiers/template.xlsx?month={MARCH}").data))
    sheet = book.active
    for line in range(3, sheet.max_row + 1):
        for offset, key in enumerate(FIGURES, start=5):
            sheet.cell(row=line, column=offset, value=GOOD[key])
    out = io.BytesIO()
    book.save(out)
    response = upload(reform, out.getvalue(), "bieu06.xlsx")
    assert response.status_code == 302, page(response)
    desks = {district["desk_district"], district["desk_a"], district["desk_b"]}
    assert {(desk, month) for desk, month, *_rest in stored(app)} == {(d, MARCH) for d in desks}


# --- access -----------------------------------------------------------------------------------

PAGES = ["/dossiers/", "/dossiers/new", "/dossiers/import", "/dossiers/template.csv",
         "/dossiers/template.xlsx"]  # fmt: skip


@pytest.mark.parametrize("username", ["clerk", "hotline", "counter_a"])
def test_clerks_hotline_operators_and_counter_staff_get_403(app, district, username):
    client = sign_in(app.test_client(), username)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/")
    assert client.post("/dossiers/new", data={"csrf_token": token}).status_code == 403
    assert client.post("/dossiers/import", data={"csrf_token": token}).status_code == 403
    assert stored(app) == []


@pytest.mark.parametrize("username", ["admin", "reform", "manager_a"])
def test_admins_reform_office_and_unit_managers_may_enter_and_import(app, district, username):
    client = sign_in(app.test_client(), username)
    for path in PAGES:
        assert client.get(f"{path}?lang=vi").status_code == 200, path
    assert enter(client, district["desk_a"]).status_code == 302
    home = page(client.get("/?lang=en"))
    assert "Enter and import the desks' monthly dossier figures" in home


def test_signed_out_visitors_are_sent_to_sign_in(client, district):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_the_list_in_both_languages(app, district, reform):
    enter(reform, district["desk_a"])
    for lang, words in (
        ("en", ("Dossier figures, 03/2025", "Desks without figures for this month")),
        ("vi", (translated("Received"), translated("Desks without figures for this month"))),
    ):
        body = page(reform.get(f"/dossiers/?month={MARCH}&lang={lang}"))
        assert f'<html lang="{lang}"' in body
        for word in words:
            assert word in body
    # Without a month: the latest month with figures.
    assert "03/2025" in page(reform.get("/dossiers/?lang=en"))


# --- totals() for the summary -----------------------------------------------------------------


def test_totals_add_up_the_units_tree_over_the_months_in_sql(app, district):
    with app.test_request_context():
        add = [
            (district["desk_a"], date(2025, 1, 1), "", figures()),
            (district["desk_a"], date(2025, 2, 1), "Hộ tịch", figures(2)),
            (district["desk_a"], date(2025, 2, 1), "Đất đai", figures(3)),
            (district["desk_b"], date(2025, 3, 1), "", figures(5)),
            (district["desk_district"], date(2025, 3, 1), "", figures(7)),
            (district["desk_a"], date(2025, 4, 1), "", figures(11)),  # after the range
        ]
        for desk, month, field, values in add:
            db.session.add(
                DossierStat(
                    service_point_id=desk,
                    month=month,
                    field=field,
                    **values,
                )
            )
        db.session.commit()
        units = {key: db.session.get(AdminUnit, district[key]) for key in district}

        whole = service.totals(units["district"], date(2025, 1, 15), date(2025, 3, 31))
        scale = 1 + 2 + 3 + 5 + 7
        assert {k: whole[k] for k in FIGURES} == {k: v * scale for k, v in GOOD.items()}
        assert whole["carried_over_at_start"] == 10  # January: ward A's desk only
        assert whole["pending_total_at_end"] == 20 * (5 + 7)  # March: ward B and the district
        assert whole["pending_overdue_at_end"] == 5 * (5 + 7)
        assert whole["pending_in_time_at_end"] == 15 * (5 + 7)

        ward_a = service.totals(units["ward_a"], date(2025, 1, 1), date(2025, 4, 1))
        assert ward_a["received_total"] == 100 * (1 + 2 + 3 + 11)
        assert ward_a["resolved_late"] == 5 * (1 + 2 + 3 + 11)
        assert service.totals(units["province"], date(2025, 3, 1), date(2025, 3, 1))[
            "received_online"
        ] == 40 * (5 + 7)
        assert service.totals(units["ward_b"], date(2025, 1, 1), date(2025, 2, 28)) is None
        assert service.totals(units["ward_a"], date(2024, 1, 1), date(2024, 12, 1)) is None


def test_the_database_refuses_figures_that_do_not_add_up(app, district):
    with app.app_context():
        db.session.add(
            DossierStat(
                service_point_id=district["desk_a"],
                month=date(2025, 3, 1),
                field="",
                **figures(received_total=99),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
