"""The public results page (/results, NĐ 61/2018 Điều 32): the figures are the summary's, small
cells say so, nothing private shows, and a warm page is served from the cache."""

import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from matplotlib import image
from sqlalchemy import select

from feedback_app.cases import service as cases
from feedback_app.extensions import db
from feedback_app.models import (
    AdminUnit,
    CaseChannel,
    CaseKind,
    Officer,
    ServicePoint,
    UnitLevel,
    User,
)
from feedback_app.reports import service as reports
from feedback_app.results import routes, service
from feedback_app.timeutil import LOCAL_TZ, local_today
from tests.conftest import make_unit, page, rate, sign_in, translated

OFFICER = "Công Chức Riêng Tư"
SENDER = "Trần Thị Người Gửi"
SENDER_PHONE = "0987654321"
COMMENT = "BINHLUANRIENGTU cán bộ thu thêm tiền"
ANSWER_PHONE = "0912345678"


@pytest.fixture
def published(app, survey, district):
    """The default survey, published, and an officer with a name that must never show."""
    with app.app_context():
        db.session.add(Officer(service_point_id=district["desk_a"], name=OFFICER))
        db.session.commit()
    return district


def shown_periods():
    """The last closed quarter and half-year, as the page picks them today."""
    return service.periods_shown(local_today())


def day_in(period) -> datetime:
    """A working morning inside the period (Vietnam time)."""
    return datetime.combine(period.start + timedelta(days=9), time(9))


def answered_case(app, desk: int, when: datetime, answer: str, publish=True, **sender) -> str:
    """A walk-in case received at `when`, answered two days later; its code."""
    with app.test_request_context():
        actor = db.session.scalar(select(User).where(User.username == "reform"))
        received = when.replace(tzinfo=LOCAL_TZ).astimezone(UTC)
        case = cases.create_case(
            cases.NewCase(
                channel=CaseChannel.WALK_IN,
                content=f"{COMMENT} (ở quầy)",
                service_point=db.session.get(ServicePoint, desk),
                received_at=received,
                **sender,
            )
        )[0]
        cases.classify(case, kind=CaseKind.PROPOSAL, subject="", actor=actor)
        cases.answer(case, text=answer, actor=actor, publish=publish)
        case.answered_at = received + timedelta(days=2)
        db.session.commit()
        return case.code


def expected(app, period, code: str) -> dict:
    """The summary the page must show (figures only; the page may be asked in any language)."""
    with app.test_request_context("/?lang=en"):
        unit = db.session.scalar(select(AdminUnit).where(AdminUnit.code == code))
        return reports.summary(period, unit)


def pct(value) -> str:
    """A share as the English page writes it."""
    return f"{value:.1f}%"


def section(body: str, number: int) -> str:
    """The page's section of the n-th period shown (1: the quarter, 2: the half-year)."""
    match = re.search(rf'aria-labelledby="period-{number}">(.*?)</section>', body, re.S)
    assert match, f"no section for period {number}"
    return match.group(1)


def row(body: str, name: str) -> str:
    """The table row of a unit."""
    match = re.search(
        rf"<tr[^>]*>\s*<th scope=\"row\">[^<]*<a [^>]*>{name}</a>.*?</tr>", body, re.S
    )
    assert match, f"no row for {name}"
    return match.group(0)


def seed_figures(app, ids) -> None:
    """Ward A: six responses (one dissatisfied) in each period shown, and an answered case;
    ward B: two responses, too few to show."""
    for period in shown_periods():
        for value in (5, 5, 4, 4, 2, 5):
            rate(app, ids["desk_a"], day_in(period), overall=value, f1_access=value)
        for _ in range(2):
            rate(app, ids["desk_b"], day_in(period))
        answered_case(app, ids["desk_a"], day_in(period), "Đã tiếp thu.")


def test_anyone_sees_the_summary_figures_of_the_unit_and_its_children(app, client, published):
    seed_figures(app, published)
    response = client.get("/results/009?lang=en")
    assert response.status_code == 200
    body = page(response)
    for number, period in enumerate(shown_periods(), start=1):
        s = expected(app, period, "009")
        part = section(body, number)
        assert period.title() in part
        assert pct(s["satisfaction_index"]) in part
        assert pct(s["overall_satisfied_pct"]) in part
        assert f"<dd>{s['responses']}</dd>" in part
        assert f"<dd>{s['cases']['received']}</dd>" in part
        assert pct(s["cases"]["answered_on_time_pct"]) in part
        if s.get("satisfaction_ci95"):
            low, high = s["satisfaction_ci95"]
            assert f"{low:.1f}–{high:.1f}%" in part
        children = {child["unit"]["code"]: child for child in s["children"]}
        ward_a = row(part, "Phường Nhân Chính")
        assert pct(children["00343"]["satisfaction_index"]) in ward_a
        assert 'href="/results/00343"' in ward_a
        ward_b = row(part, "Phường Thượng Đình")
        assert children["00346"]["satisfaction_index"] is None
        assert "not enough responses" in ward_b
        assert f">{children['00346']['responses']}</td>" in ward_b


def test_a_suppressed_cell_reads_not_enough_responses_in_vietnamese(app, client, published):
    seed_figures(app, published)
    body = page(client.get("/results/009?lang=vi"))
    ward_b = row(section(body, 1), "Phường Thượng Đình")
    assert translated("not enough responses") in ward_b
    s = expected(app, shown_periods()[0], "009")
    assert f"{s['satisfaction_index']:.1f}%".replace(".", ",") in section(body, 1)


def test_the_page_shows_no_officer_no_comment_no_sender(app, client, published):
    quarter = shown_periods()[0]
    for value in (5, 5, 4, 4, 5):
        rate(app, published["desk_a"], day_in(quarter), overall=value)
    rate(app, published["desk_a"], day_in(quarter), comment=COMMENT, overall=1)
    code = answered_case(
        app,
        published["desk_a"],
        day_in(quarter),
        f"Mời ông gọi lại số {ANSWER_PHONE} để được hướng dẫn.",
        sender_name=SENDER,
        sender_phone=SENDER_PHONE,
    )
    hidden = answered_case(app, published["desk_a"], day_in(quarter), "Chưa công khai", False)
    for lang in ("en", "vi"):
        body = page(client.get(f"/results/009?lang={lang}"))
        for private in (OFFICER, "BINHLUANRIENGTU", SENDER, SENDER_PHONE, ANSWER_PHONE, hidden):
            assert private not in body
        assert f'href="/track/{code}"' in body
        assert "Mời ông gọi lại số 091*****78 để được hướng dẫn." in body


def test_the_public_view_keeps_only_whitelisted_keys():
    """A key added to the summary later (officers, comments, anything) is not published."""
    figures = {
        "unit": {"code": "009", "name": "Quận Thanh Xuân", "secret": 1},
        "responses": 12,
        "satisfaction_index": 80.0,
        "satisfaction_ci95": [70.1, 88.2],
        "overall_satisfied_pct": 75.0,
        "cases": {"received": 3, "answered_on_time_pct": 100.0, "by_channel": {"web": 3}},
        "questions": {"overall": {"n": 12}},
        "desks": [{"officers": [{"name": OFFICER}]}],
        "comments": [COMMENT],
    }
    summary = {
        **figures,
        "period": {"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30", "x": 1},
        "trend": [{"month": "2026-09", "responses": 12, "satisfaction_index": 80.0, "x": 2}],
        "previous": figures,
        "children": [{**figures, "children": []}],
    }
    view = service.whitelist(summary)
    unit_keys = {"unit", "responses", "satisfaction_index", "satisfaction_ci95"}
    unit_keys |= {"overall_satisfied_pct", "cases"}
    assert set(view) == unit_keys | {"period", "trend", "children"}
    assert set(view["children"][0]) == unit_keys
    assert view["unit"] == {"code": "009", "name": "Quận Thanh Xuân"}
    assert view["cases"] == {"received": 3, "answered_on_time_pct": 100.0}
    assert view["period"] == {"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"}
    assert view["trend"] == [{"month": "2026-09", "responses": 12, "satisfaction_index": 80.0}]
    assert OFFICER not in repr(view) and COMMENT not in repr(view)


def test_published_answers_are_newest_first_one_page_at_a_time(app, client, published, monkeypatch):
    monkeypatch.setattr(routes, "ANSWERS_PAGE_SIZE", 1)
    quarter = shown_periods()[0]
    older = answered_case(app, published["desk_a"], day_in(quarter), "Trả lời thứ nhất")
    newer = answered_case(
        app, published["desk_b"], day_in(quarter) + timedelta(days=1), "Trả lời thứ hai"
    )
    first = page(client.get("/results/009?lang=en"))
    assert newer in first and older not in first
    assert 'href="/results/009?page=2"' in first
    second = page(client.get("/results/009?page=2&lang=en"))
    assert older in second and newer not in second
    ward_b = page(client.get("/results/00346?lang=en"))
    assert newer in ward_b and "No answer has been published yet." not in ward_b
    assert "No answer has been published yet." in page(client.get("/results/00343?page=3"))


def test_an_unknown_unit_is_a_404_and_a_former_one_says_so(app, client, published):
    with app.app_context():
        province = db.session.get(AdminUnit, published["province"])
        make_unit(
            "00999", "Quận Đã Sáp Nhập", UnitLevel.DISTRICT, province, datetime(2020, 1, 1).date()
        )
        former = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "00999"))
        former.valid_to = datetime(2025, 6, 30).date()
        db.session.commit()
    for path in ("/results/99999", "/results/99999/trend.png", "/results/a b"):
        response = client.get(f"{path}?lang=en")
        assert response.status_code == 404, path
        assert "Not found" in page(response)
    # A unit merged away keeps its published results, and says since when it is former.
    body = page(client.get("/results/00999?lang=en"))
    assert "A former unit: it ceased on 30/06/2025." in body
    assert client.get("/results/00999/trend.png").status_code == 200
    assert "former unit, until 30/06/2025" in page(client.get("/results/?lang=en"))
    assert translated("Not found") in page(client.get("/results/99999?lang=vi"))


def test_the_trend_is_a_png_with_alt_text(app, client, published):
    seed_figures(app, published)
    body = page(client.get("/results/009?lang=en"))
    match = re.search(r'<img class="chart" src="([^"]+)" alt="([^"]+)"', body)
    assert match and match.group(1) == "/results/009/trend.png"
    assert len(match.group(2)) > 10
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    pixels = image.imread(io.BytesIO(response.data), format="png")
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_a_warm_page_comes_from_the_cache_until_it_expires(app, client, published):
    seed_figures(app, published)
    quarter = shown_periods()[0]
    s = expected(app, quarter, "009")  # the figures as they are now (this folds the rollups)
    before = section(page(client.get("/results/009?lang=en")), 1)
    assert f"<dd>{s['responses']}</dd>" in before
    # Answers not folded yet leave the data version as it was: the minute-old page stays.
    for _ in range(3):
        rate(app, published["desk_b"], day_in(quarter), overall=5)
    assert section(page(client.get("/results/009?lang=en")), 1) == before
    app.config["RESULTS_CACHE_SECONDS"] = 0
    after = section(page(client.get("/results/009?lang=en")), 1)
    assert f"<dd>{s['responses'] + 3}</dd>" in after


def test_a_changed_case_refreshes_the_page_at_once(app, client, published):
    seed_figures(app, published)
    quarter = shown_periods()[0]
    s = expected(app, quarter, "009")
    before = section(page(client.get("/results/009?lang=en")), 1)
    assert f"<dd>{s['cases']['received']}</dd>" in before
    # Every change to a case writes a case event, which moves the data version on.
    answered_case(app, published["desk_a"], day_in(quarter), "Thêm một trả lời")
    after = section(page(client.get("/results/009?lang=en")), 1)
    assert f"<dd>{s['cases']['received'] + 1}</dd>" in after


def test_newly_folded_responses_refresh_the_page_at_once(app, client, published):
    seed_figures(app, published)
    quarter = shown_periods()[0]
    expected(app, quarter, "009")
    first = section(page(client.get("/results/009?lang=en")), 1)
    for _ in range(3):
        rate(app, published["desk_b"], day_in(quarter), overall=1)
    # Not folded yet: the data version is the same, so the page is the cached one.
    assert section(page(client.get("/results/009?lang=en")), 1) == first
    s = expected(app, quarter, "009")  # any summary (a staff page) folds them
    now = section(page(client.get("/results/009?lang=en")), 1)
    assert now != first
    assert f"<dd>{s['responses']}</dd>" in now


def test_public_pages_may_be_cached_but_not_a_signed_in_one(app, client, published):
    for path in ("/results/", "/results/009"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Accept-Language" in response.headers["Vary"]
    sign_in(client, "reform")
    response = client.get("/results/009")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_index_lists_the_top_unit_and_its_children(app, client, published):
    with app.app_context():
        province = db.session.get(AdminUnit, published["province"])
        make_unit("005", "Quận Cầu Giấy", UnitLevel.DISTRICT, province)
        db.session.commit()
    body = page(client.get("/results/?lang=en"))
    for code in ("01", "009", "005"):
        assert f'href="/results/{code}"' in body
    assert 'href="/results/00343"' not in body  # a ward is one click further, on its district
    district = page(client.get("/results/009?lang=en"))
    assert 'href="/results/00343"' in district and 'href="/results/00346"' in district


def test_the_tracking_page_links_to_the_published_results(client, published):
    body = page(client.get("/track?lang=en"))
    assert re.search(r'<a href="/results/">Published results</a>', body)
