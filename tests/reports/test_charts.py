"""Charts of a period summary: valid images in both languages, Vietnamese letters drawn from the
bundled font, bars that measure the figures of the summary, and text alternatives that state
them the locale's way."""

import io
import warnings
from xml.etree import ElementTree

import matplotlib
import numpy as np
import pytest
from matplotlib.ft2font import FT2Font
from matplotlib.image import imread

from feedback_app.reports import charts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAR_RGB = (0x1F, 0x5F, 0x8B)
VIETNAMESE = "Phường Khương Đình – Chỉ số hài lòng ước tính Ữ ỹ"


def _child(name: str, index: float | None, responses: int, ci=None, waiting=None) -> dict:
    return {
        "unit": {"code": name[-3:], "name": name},
        "responses": responses,
        "satisfaction_index": index,
        "satisfaction_ci95": ci,
        "reasons": _reasons(40, {"wait_time": waiting, "attitude": 4}),
    }


def _reasons(low: int, counts: dict) -> dict:
    """A reasons figure as the summary gives it: each reason's count and share of `low`; a
    None count is a withheld cell."""
    labels = {"attitude": "Thái độ", "wait_time": "Thời gian chờ", "procedure": "Thủ tục"}
    return {
        "low_ratings": low,
        "items": [
            {
                "code": code,
                "label": label,
                "count": counts.get(code, 0) if counts.get(code, 0) is not None else None,
                "pct_of_low": None
                if counts.get(code, 0) is None
                else round(counts.get(code, 0) * 100 / low, 1),
            }
            for code, label in labels.items()
        ],
    }


def _likert(n: int, pct: float | None, ci=None) -> dict:
    return {
        "n": n,
        "mean": 4.1,
        "satisfied_pct": pct,
        "ci95": ci,
        "levels": {"1": 1, "2": 2, "3": 3, "4": 4, "5": n - 10},
    }


def _summary() -> dict:
    """A district's half-year, shaped like the real summary (figures from the demo sample)."""
    trend = [
        {"month": f"{year}-{month:02d}", "responses": 900 + 10 * i, "satisfaction_index": 75.0 + i}
        for i, (year, month) in enumerate(
            [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
        )
    ]
    trend[8]["satisfaction_index"] = None
    return {
        "period": {"label": "2026-H1", "start": "2026-01-01", "end": "2026-06-30"},
        "unit": {"code": "009", "name": "Quận Thanh Xuân"},
        "responses": 6844,
        "satisfaction_index": 78.6,
        "satisfaction_ci95": [77.8, 79.4],
        "questions": {
            "f1_access": _likert(6683, 75.0, [73.9, 76.0]),
            "f3_officer": _likert(6844, 82.8, [81.9, 83.7]),
            "f5_feedback": _likert(4, None),
            "overall": _likert(6844, 82.9, [82.0, 83.7]),
            "tt01_returns": {
                "n": 5469,
                "mean": 1.61,
                "satisfied_pct": None,
                "ci95": None,
                "levels": {"none": 3823, "once": 1143, "more": 503},
            },
            "want_reply": {
                "n": 358,
                "mean": 0.28,
                "satisfied_pct": None,
                "ci95": None,
                "levels": {"yes": 102, "no": 256},
            },
        },
        "channels": {"kiosk": 5339, "paper": 965, "web": 540, "sms": 0, "ivr": 0},
        "reasons": _reasons(160, {"attitude": 40, "wait_time": 80, "procedure": 20}),
        "cases": {"received": 323, "answered": 286, "answered_on_time_pct": 90.6, "overdue": 26},
        "previous": {
            "period": {"label": "2025-H2"},
            "satisfaction_index": 77.9,
            "cases": {"received": 363, "answered": 310, "answered_on_time_pct": 90.0},
        },
        "trend": trend,
        "children": [
            _child("Phường Hạ Đình", 82.4, 602, [79.1, 85.3], waiting=10),
            _child("Phường Khương Đình", 75.1, 457, waiting=36),
            _child("Phường Kim Giang", 92.6, 411, [89.7, 94.7], waiting=14),
            _child("Phường Khương Mai", None, 3, waiting=None),
        ],
    }


def _empty() -> dict:
    """A period without a single figure: no children, months, answers, channels or cases."""
    return {"period": {"label": "2026-Q1"}, "unit": {"code": "009", "name": "Quận Thanh Xuân"}}


def _all_suppressed() -> dict:
    """Figures exist but every cell is too small to show."""
    summary = _summary()
    for child in summary["children"]:
        child["satisfaction_index"] = None
    for stats in summary["questions"].values():
        stats["satisfied_pct"] = None
    for month in summary["trend"]:
        month["satisfaction_index"] = None
    summary["channels"] = {"kiosk": 0, "paper": 0}
    summary["reasons"] = _reasons(3, dict.fromkeys(("attitude", "wait_time", "procedure")))
    for child in summary["children"]:
        child["reasons"] = _reasons(1, dict.fromkeys(("attitude", "wait_time", "procedure")))
    summary["cases"] = {"received": 0, "answered": 0, "answered_on_time_pct": None}
    summary["previous"]["cases"] = None
    return summary


def _image(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png))


def _bar_mask(image: np.ndarray) -> np.ndarray:
    """Pixels painted in the bar colour."""
    rgb = np.round(image[:, :, :3] * 255).astype(int)
    return np.all(rgb == BAR_RGB, axis=-1)


@pytest.fixture(params=["english", "vietnamese"])
def language(request):
    """Each test in both languages."""
    request.getfixturevalue(request.param)
    return request.param


@pytest.mark.parametrize("kind", charts.KINDS)
def test_every_kind_renders_a_png_of_the_documented_size(language, kind):
    image = _image(charts.render(_summary(), kind, labels={"f1_access": VIETNAMESE}))

    height, width, channels = image.shape
    assert width == round(charts.WIDTH_IN * charts.DPI)
    assert 250 < height < 2000
    assert channels in (3, 4)
    assert _bar_mask(image).any()


@pytest.mark.parametrize("kind", charts.KINDS)
@pytest.mark.parametrize("build", [_empty, _all_suppressed])
def test_a_period_without_figures_still_renders(language, kind, build):
    image = _image(charts.render(build(), kind))

    assert image.shape[1] == round(charts.WIDTH_IN * charts.DPI)
    # Some text (the title, "No data") is drawn on the white page.
    assert (image[:, :, :3] < 0.5).any()


@pytest.mark.parametrize("kind", charts.KINDS)
def test_svg_output_is_xml(english, kind):
    svg = charts.render(_summary(), kind, fmt="svg")

    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML
    assert root.tag.endswith("svg")


def test_unknown_kind_or_format_is_refused(english):
    with pytest.raises(ValueError, match="kind"):
        charts.render(_summary(), "pie")
    with pytest.raises(ValueError, match="format"):
        charts.render(_summary(), "wards", fmt="gif")
    with pytest.raises(ValueError, match="kind"):
        charts.alt_text(_summary(), "pie")


def test_bundled_font_has_every_vietnamese_letter():
    charmap = FT2Font(charts.font_path()).get_charmap()

    missing = [ch for ch in VIETNAMESE if ord(ch) not in charmap]
    assert missing == []


def _glyph_warnings(summary: dict, kind: str, labels=None) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.render(summary, kind, labels=labels)
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


@pytest.mark.parametrize("kind", charts.KINDS)
def test_vietnamese_labels_draw_without_missing_glyphs(vietnamese, kind):
    summary = _summary()
    summary["children"][0]["unit"]["name"] = VIETNAMESE

    assert _glyph_warnings(summary, kind, labels={"overall": VIETNAMESE}) == []


def test_a_letter_outside_the_font_is_noticed(english):
    """The check above can fail: a Chinese name has no glyph in DejaVu Sans."""
    summary = _summary()
    summary["children"][0]["unit"]["name"] = "漢字"

    assert _glyph_warnings(summary, "wards")


def test_chart_does_not_depend_on_the_configured_font(vietnamese):
    """A server whose matplotlib defaults to another font draws the same chart."""
    usual = charts.render(_summary(), "wards")
    with matplotlib.rc_context({"font.family": "serif", "font.serif": ["DejaVu Serif"]}):
        elsewhere = charts.render(_summary(), "wards")

    assert elsewhere == usual


def test_render_leaves_global_matplotlib_settings_alone(vietnamese):
    before = dict(matplotlib.rcParams)

    for kind in charts.KINDS:
        charts.render(_summary(), kind)

    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("kind", charts.KINDS)
def test_chart_changes_when_the_figures_change(english, kind):
    changed = _summary()
    changed["children"][0]["satisfaction_index"] = 50.0
    changed["questions"]["f1_access"]["satisfied_pct"] = 40.0
    changed["trend"][0]["satisfaction_index"] = 20.0
    changed["channels"]["web"] = 3000
    changed["cases"]["received"] = 30
    changed["reasons"]["items"][0]["pct_of_low"] = 60.0

    assert charts.render(_summary(), kind) != charts.render(changed, kind)


def test_chart_changes_with_the_language(babel_app):
    with babel_app.test_request_context("/?lang=en"):
        english = charts.render(_summary(), "wards")
    with babel_app.test_request_context("/?lang=vi"):
        vietnamese = charts.render(_summary(), "wards")

    assert english != vietnamese


def _widest_bar(png: bytes) -> int:
    return int(_bar_mask(_image(png)).sum(axis=1).max())


def test_ward_bar_length_is_proportional_to_the_index(english):
    def one_ward(index: float) -> dict:
        return {**_empty(), "children": [_child("Phường Hạ Đình", index, 100)]}

    short = _widest_bar(charts.render(one_ward(30.0), "wards"))
    long = _widest_bar(charts.render(one_ward(60.0), "wards"))

    assert long / short == pytest.approx(2.0, rel=0.03)


def test_channel_bar_heights_follow_the_responses(english):
    mask = _bar_mask(_image(charts.render(_summary(), "channels")))
    heights = mask.sum(axis=0)
    columns = [heights[x] for x in range(1, len(heights)) if heights[x] and not heights[x - 1]]

    # Bars left to right: kiosk, paper, web; the empty SMS and phone channels are left out.
    assert len(columns) == 3
    assert columns[0] / columns[1] == pytest.approx(5339 / 965, rel=0.03)
    assert columns[1] / columns[2] == pytest.approx(965 / 540, rel=0.03)


def test_ward_alt_text_states_each_index_in_vietnamese(vietnamese):
    text = charts.alt_text(_summary(), "wards")

    assert "Phường Hạ Đình 82,4% (n=602)" in text
    assert "Phường Khương Mai chưa đủ số phiếu (n=3)" in text
    # Best first, the suppressed ward last.
    order = [text.index(name) for name in ("Kim Giang", "Hạ Đình", "Khương Đình", "Khương Mai")]
    assert order == sorted(order)
    assert "80%" in text


def test_ward_alt_text_states_each_index_in_english(english):
    text = charts.alt_text(_summary(), "wards")

    assert "Phường Hạ Đình 82.4% (n=602)" in text
    assert "Phường Kim Giang 92.6% (n=411)" in text
    assert "Phường Khương Mai not enough responses (n=3)" in text


def test_question_alt_text_lists_likert_questions_weakest_first(english):
    text = charts.alt_text(_summary(), "questions", labels={"f1_access": "Easy to find the desk"})

    assert "Easy to find the desk 75.0% (n=6,683) 95% interval 73.9%–76.0%" in text
    assert "f5_feedback not enough responses (n=4)" in text
    assert "tt01_returns" not in text and "want_reply" not in text
    order = [text.index(code) for code in ("Easy to find", "f3_officer", "overall", "f5_feedback")]
    assert order == sorted(order)


def test_channel_alt_text_names_channels_in_vietnamese(vietnamese):
    text = charts.alt_text(_summary(), "channels")

    assert "Phiếu giấy 965" in text
    assert "5.339" in text
    assert "SMS" not in text


def test_case_alt_text_counts_answers_on_time(english):
    summary = _summary()
    # 45% of 10 is 4.5: rounded half away from zero, as the report rounds, gives 5.
    summary["previous"]["cases"] = {"received": 12, "answered": 10, "answered_on_time_pct": 45.0}

    text = charts.alt_text(summary, "cases")

    assert "Received 323, Answered 286, Answered on time 259" in text
    assert "Received 12, Answered 10, Answered on time 5" in text
    assert text.index("2026-H1") < text.index("2025-H2")


def test_trend_alt_text_has_every_month(vietnamese):
    text = charts.alt_text(_summary(), "trend")

    assert "07/2025 75,0% (n=900)" in text
    assert "03/2026 chưa đủ số phiếu (n=980)" in text
    assert "06/2026 86,0% (n=1.010)" in text


@pytest.mark.parametrize("kind", charts.KINDS)
def test_alt_text_of_an_empty_period_says_so(english, kind):
    assert "No data" in charts.alt_text(_empty(), kind)


def test_reason_bar_length_is_proportional_to_its_share(english):
    def unit(share: float) -> dict:
        return {**_empty(), "reasons": _reasons(100, {"wait_time": share})}

    short = _widest_bar(charts.render(unit(30), "reasons"))
    long = _widest_bar(charts.render(unit(60), "reasons"))

    assert long / short == pytest.approx(2.0, rel=0.03)


def test_reason_alt_text_names_the_ward_where_a_reason_stands_out(vietnamese):
    text = charts.alt_text(_summary(), "reasons", labels={"reason:wait_time": "Chờ quá lâu"})

    assert "160" in text
    assert "Chờ quá lâu 50,0% (n=80)" in text  # the chart's own language's label wins
    assert "Phường Khương Đình 90,0%" in text  # 36 of its 40 low ratings: the highest ward
    assert "Thái độ 25,0% (n=40)" in text


def test_reason_alt_text_of_withheld_reasons_says_so(english):
    text = charts.alt_text(_all_suppressed(), "reasons")

    assert "Thời gian chờ not enough responses" in text
