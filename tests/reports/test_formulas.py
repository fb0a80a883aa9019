"""The formulas of DESIGN.md §4 against figures computed by hand."""

import pytest

from feedback_app.reports import formulas as f

MIN_CELL = 5


# --- shares, rounding, intervals -------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (8, 10, 80.0),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 16, 6.3),  # 6.25: half away from zero, as by hand (round() would give 6.2)
        (1, 8, 12.5),
        (0, 7, 0.0),
        (7, 7, 100.0),
        (0, 0, None),
        (3, None, None),
    ],
)
def test_pct(part, whole, expected):
    assert f.pct(part, whole) == expected


def test_rounded_goes_half_away_from_zero_on_the_decimal_value():
    assert f.rounded(2.675, 2) == 2.68  # the float is 2.67499999…, the number meant is 2.675
    assert f.rounded(-0.25) == -0.3
    assert f.rounded(0.05) == 0.1
    assert f.rounded(None) is None


# Wilson score interval, z = 1.96 (z² = 3.8416):
#   centre = (p + z²/2n) / (1 + z²/n),  half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)
# 8/10:  p = 0.8, 1 + 0.38416 = 1.38416; centre = (0.8 + 0.19208) / 1.38416 = 0.716738;
#        half = 1.96 × √(0.016 + 0.009604) / 1.38416 = 1.96 × 0.160012 / 1.38416 = 0.226581
#        → [0.490157, 0.943319] → [49.0, 94.3]
# 0/5:   p = 0, 1 + 0.76832 = 1.76832; centre = 0.38416 / 1.76832 = 0.217246;
#        half = 1.96 × √(3.8416 / 100) / 1.76832 = 1.96 × 0.196 / 1.76832 = 0.217246
#        → [0, 0.434492] → [0.0, 43.4]
# 5/5:   the mirror image of 0/5 → [1 − 0.434492, 1] → [56.6, 100.0]
# 45/50: p = 0.9, 1 + 0.076832 = 1.076832; centre = (0.9 + 0.038416) / 1.076832 = 0.871460;
#        half = 1.96 × √(0.0018 + 0.00038416) / 1.076832 = 1.96 × 0.046735 / 1.076832 = 0.085065
#        → [0.786395, 0.956525] → [78.6, 95.7]
@pytest.mark.parametrize(
    ("k", "n", "interval"),
    [
        (8, 10, [49.0, 94.3]),
        (0, 5, [0.0, 43.4]),
        (5, 5, [56.6, 100.0]),
        (45, 50, [78.6, 95.7]),
    ],
)
def test_wilson_against_hand_computed_bounds(k, n, interval):
    assert f.wilson(k, n) == interval


def test_wilson_without_answers_is_none_and_never_leaves_0_to_100():
    assert f.wilson(0, 0) is None
    low, high = f.wilson(0, 1)
    assert low == 0.0 and 0 < high < 100
    assert f.wilson(1, 1)[1] == 100.0


def test_wilson_refuses_more_successes_than_trials():
    with pytest.raises(ValueError):
        f.wilson(6, 5)


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ([49.0, 94.3], [78.6, 95.7], True),
        ([10.0, 20.0], [20.0, 30.0], True),  # touching counts as overlapping
        ([10.0, 19.9], [20.0, 30.0], False),
        ([20.0, 30.0], [10.0, 19.9], False),
        ([10.0, 40.0], [20.0, 30.0], True),
        (None, [20.0, 30.0], None),
        ([20.0, 30.0], None, None),
    ],
)
def test_intervals_overlap(a, b, overlap):
    assert f.intervals_overlap(a, b) is overlap


def test_change_in_points():
    assert f.change(80.3, 78.1) == 2.2  # not 2.200000000000003
    assert f.change(78.1, 80.3) == -2.2
    assert f.change(80.0, 80.0) == 0.0
    assert f.change(None, 80.0) is None
    assert f.change(80.0, None) is None


# --- questions -------------------------------------------------------------------------------


def test_likert_question_by_hand():
    # 2×1 + 1×2 + 2×3 + 3×4 + 2×5 = 2 + 2 + 6 + 12 + 10 = 32 over n = 10 → mean 3.2;
    # satisfied = 3 + 2 = 5 of 10 → 50.0 %.
    stats = f.likert_question({1: 2, 2: 1, 3: 2, 4: 3, 5: 2}, MIN_CELL)
    assert stats == {
        "n": 10,
        "mean": 3.2,
        "satisfied_pct": 50.0,
        "ci95": f.wilson(5, 10),
        "levels": {"1": 2, "2": 1, "3": 2, "4": 3, "5": 2},
    }


def test_likert_question_without_no_opinion_answers():
    # 12 citizens answered, 4 of them "không có ý kiến": the caller passes the 8 real answers.
    # 4×4 + 4×5 = 36 over 8 → mean 4.5; all 8 satisfied → 100.0 %, not 8/12 = 66.7 %.
    stats = f.likert_question({4: 4, 5: 4}, MIN_CELL)
    assert stats["n"] == 8
    assert stats["mean"] == 4.5
    assert stats["satisfied_pct"] == 100.0
    assert stats["levels"] == {"1": 0, "2": 0, "3": 0, "4": 4, "5": 4}


def test_likert_question_ignores_keys_outside_1_to_5():
    # Should a caller pass "no opinion" (as 0 or its key), it still stays out of n.
    assert f.likert_question({0: 4, "no_opinion": 3, 4: 4, 5: 4}, MIN_CELL)["n"] == 8


def test_likert_question_accepts_text_keys_as_in_json():
    assert f.likert_question({"4": 3, "5": 2}, MIN_CELL)["satisfied_pct"] == 100.0


def test_likert_question_mean_has_two_decimals():
    # (1 + 2 + 2) / 3 = 1.6666… → 1.67
    assert f.likert_question({1: 1, 2: 2}, 1)["mean"] == 1.67


def test_cell_below_min_cell_is_suppressed_but_keeps_its_n():
    assert f.likert_question({4: 2, 5: 2}, MIN_CELL) == {
        "n": MIN_CELL - 1,
        "mean": None,
        "satisfied_pct": None,
        "ci95": None,
        "levels": None,
    }


def test_cell_at_min_cell_is_shown():
    stats = f.likert_question({3: 1, 4: 2, 5: 2}, MIN_CELL)
    assert stats["n"] == MIN_CELL
    assert stats["satisfied_pct"] == 80.0  # 4 of 5
    assert stats["ci95"] == [37.6, 96.4]
    assert stats["mean"] == 4.2  # (3 + 8 + 10) / 5


def test_question_without_answers_has_no_figures():
    stats = f.likert_question({}, 0)
    assert stats["n"] == 0 and stats["satisfied_pct"] is None and stats["levels"] is None


POINTS_TT01_RETURNS = {"none": 2, "once": 1, "more": 0}


def test_choice_question_by_hand():
    # 6 × 2 + 3 × 1 + 1 × 0 = 15 points over 10 answers → mean 1.5.
    stats = f.choice_question({"none": 6, "once": 3, "more": 1}, POINTS_TT01_RETURNS, MIN_CELL)
    assert stats == {
        "n": 10,
        "mean": 1.5,
        "satisfied_pct": None,
        "ci95": None,
        "levels": {"none": 6, "once": 3, "more": 1},
    }
    assert f.question_index(stats) is None


def test_choice_question_lists_every_option_and_leaves_unscored_ones_out_of_n():
    points = {"yes": 1, "no": 0, "not_applicable": None}
    stats = f.choice_question({"yes": 4, "not_applicable": 3, "retired": 2}, points, MIN_CELL - 1)
    assert stats["n"] == 4
    assert stats["mean"] == 1.0
    assert stats["levels"] == {"yes": 4, "no": 0, "not_applicable": 3, "retired": 2}


def test_choice_question_is_suppressed_below_min_cell():
    stats = f.choice_question({"none": 3, "once": 1}, POINTS_TT01_RETURNS, MIN_CELL)
    assert stats == {"n": 4, "mean": None, "satisfied_pct": None, "ci95": None, "levels": None}


def test_scored_answers_feed_the_tt01_index():
    # 6 × 2 + 3 × 1 = 15 points, 10 dossiers → 1.5
    total, n = f.scored_answers({"none": 6, "once": 3, "more": 1}, POINTS_TT01_RETURNS)
    assert (total, n) == (15, 10)
    assert f.tt01_index(total, n) == 1.5


# --- factors and the satisfaction index ------------------------------------------------------


def _likert(satisfied: int, n: int) -> dict:
    return f.likert_question({5: satisfied, 2: n - satisfied}, MIN_CELL)


QUESTION_FACTORS = {
    "f1_wait": "F1",
    "f1_seats": "F1",
    "f2_fees": "F2",
    "f3_polite": "F3",
    "f4_result": "F4",
    "f5_complaints": "F5",
    "overall": "overall",
    "tt01_returns": "",
}


def test_factor_index_is_the_mean_of_its_question_indices():
    questions = {
        "f1_wait": _likert(8, 10),  # 80.0
        "f1_seats": _likert(15, 20),  # 75.0
        "f2_fees": _likert(9, 10),  # 90.0
        "f3_polite": _likert(7, 10),  # 70.0
        "f4_result": _likert(6, 10),  # 60.0
        "f5_complaints": _likert(5, 10),  # 50.0
        "overall": _likert(1, 10),  # not a factor
        "tt01_returns": f.choice_question({"none": 9}, POINTS_TT01_RETURNS, MIN_CELL),
    }
    factors = f.factor_indices(questions, QUESTION_FACTORS)
    assert factors == {
        "F1": {"index": 77.5, "n": 20},  # (80 + 75) / 2; n: the larger of 10 and 20
        "F2": {"index": 90.0, "n": 10},
        "F3": {"index": 70.0, "n": 10},
        "F4": {"index": 60.0, "n": 10},
        "F5": {"index": 50.0, "n": 10},
    }
    # (77.5 + 90 + 70 + 60 + 50) / 5 = 347.5 / 5 = 69.5
    assert f.satisfaction_index(factors) == 69.5


def test_a_missing_factor_is_left_out_of_the_satisfaction_index():
    questions = {
        "f1_wait": _likert(8, 10),  # 80.0
        "f2_fees": _likert(9, 10),  # 90.0
        "f3_polite": _likert(7, 10),  # 70.0
        "f4_result": _likert(6, 10),  # 60.0
        # F5: only 3 answers, suppressed; F1's second question never asked.
        "f5_complaints": _likert(3, 3),
    }
    factors = f.factor_indices(questions, QUESTION_FACTORS)
    assert factors["F5"] == {"index": None, "n": 3}
    assert factors["F1"] == {"index": 80.0, "n": 10}
    # (80 + 90 + 70 + 60) / 4 = 75.0, not 300 / 5 = 60.0
    assert f.satisfaction_index(factors) == 75.0


def test_a_factor_without_questions_has_no_index_and_n_zero():
    factors = f.factor_indices({"f1_wait": _likert(8, 10)}, {"f1_wait": "F1"})
    assert factors["F2"] == {"index": None, "n": 0}
    assert f.satisfaction_index(factors) == 80.0


def test_factor_index_uses_the_rounded_question_indices():
    # 1/3 → 33.3 and 2/3 → 66.7 as shown; (33.3 + 66.7) / 2 = 50.0
    questions = {"a": _likert(5, 15), "b": _likert(10, 15)}
    assert f.factor_indices(questions, {"a": "F1", "b": "F1"})["F1"]["index"] == 50.0


def test_satisfaction_index_without_any_factor_is_none():
    assert f.satisfaction_index(f.factor_indices({}, {})) is None
    assert f.satisfaction_index({"F1": 80.0, "F2": None, "F3": 70.0}) == 75.0


# --- Thông tư 01/2018 ---------------------------------------------------------------------


def test_tt01_index_is_points_over_dossiers_to_one_decimal():
    assert f.tt01_index(17, 10) == 1.7
    assert f.tt01_index(2, 3) == 0.7  # 0.666…
    assert f.tt01_index(0, 0) is None
    assert f.tt01_index(0, None) is None


def test_tt01_total_with_missing_indices_names_them_and_gives_no_band():
    indices = {1: 1.8, 2: 1.7, 3: 1.9, 4: 2.0, 5: None, 7: 1.6}
    total = f.tt01_total(indices, official=True)
    assert total == {
        "score": 9.0,  # 1.8 + 1.7 + 1.9 + 2.0 + 1.6
        "max": 10,  # five indices with data × 2
        "band": None,
        "missing": [5, 6, 8, 9],
        "official": True,
    }


def test_tt01_total_without_any_data():
    assert f.tt01_total({}, official=False) == {
        "score": None,
        "max": 0,
        "band": None,
        "missing": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "official": False,
    }


@pytest.mark.parametrize(
    ("indices", "score", "band"),
    [
        (dict.fromkeys(range(1, 10), 2.0), 18.0, "excellent"),
        ({**dict.fromkeys(range(1, 9), 1.7), 9: 1.4}, 15.0, "excellent"),  # 8 × 1.7 + 1.4
        ({**dict.fromkeys(range(1, 9), 1.7), 9: 1.3}, 14.9, "good"),
        ({**dict.fromkeys(range(1, 9), 1.5), 9: 0.0}, 12.0, "good"),
        ({**dict.fromkeys(range(1, 9), 1.4), 9: 0.7}, 11.9, "fair"),  # 11.2 + 0.7
        (dict.fromkeys(range(1, 10), 1.0), 9.0, "fair"),
        ({**dict.fromkeys(range(1, 9), 1.0), 9: 0.9}, 8.9, "average"),
        ({**dict.fromkeys(range(1, 7), 1.0), 7: 0.0, 8: 0.0, 9: 0.0}, 6.0, "average"),
        ({**dict.fromkeys(range(1, 7), 0.9), 7: 0.5, 8: 0.0, 9: 0.0}, 5.9, "poor"),  # 5.4 + 0.5
        (dict.fromkeys(range(1, 10), 0.0), 0.0, "poor"),
    ],
)
def test_tt01_agency_band_edges(indices, score, band):
    total = f.tt01_total(indices, official=True)
    assert total["score"] == score
    assert total["max"] == 18
    assert total["band"] == band
    assert total["missing"] == []


def test_tt01_total_takes_text_keys_as_in_the_summary_json():
    total = f.tt01_total({str(i): 2.0 for i in range(1, 10)}, official=False)
    assert (total["score"], total["band"], total["official"]) == (18.0, "excellent", False)


@pytest.mark.parametrize(
    ("indices", "score", "band"),
    [
        ({1: 2.0, 2: 2.0, 3: 2.0, 4: 2.0, 7: 2.0}, 10.0, "full"),
        ({1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 7: 1.0}, 5.0, "full"),
        ({1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 7: 0.9}, 4.9, "from_70"),
        ({1: 0.7, 2: 0.7, 3: 0.7, 4: 0.7, 7: 0.7}, 3.5, "from_70"),
        ({1: 0.7, 2: 0.7, 3: 0.7, 4: 0.7, 7: 0.6}, 3.4, "under_70"),
    ],
)
def test_tt01_officer_band_edges(indices, score, band):
    # Indices 5, 6, 8 and 9 are the agency's, not the officer's: given or not, they do not count.
    total = f.tt01_officer_total({**indices, 5: 2.0}, official=True)
    assert (total["score"], total["max"], total["band"], total["missing"]) == (
        score,
        10,
        band,
        [],
    )


def test_tt01_officer_total_with_a_missing_index():
    total = f.tt01_officer_total({1: 2.0, 2: 2.0, 3: 2.0, 4: 2.0})
    assert total == {"score": 8.0, "max": 8, "band": None, "missing": [7], "official": False}


def test_bands_are_data_with_english_labels(english):
    assert [b.code for b in f.TT01_AGENCY_BANDS] == [
        "excellent",
        "good",
        "fair",
        "average",
        "poor",
    ]
    assert [b.minimum for b in f.TT01_AGENCY_BANDS] == [15, 12, 9, 6, 0]
    assert [b.minimum for b in f.TT01_OFFICER_BANDS] == [5, 3.5, 0]
    assert f.band_label("excellent") == "Excellent"
    assert f.band_label(None) is None


def test_band_labels_in_vietnamese(vietnamese):
    assert [str(b.label) for b in f.TT01_AGENCY_BANDS] == [
        "Xuất sắc",
        "Tốt",
        "Khá",
        "Trung bình",
        "Yếu",
    ]
    assert f.band_label("under_70") == "Hoàn thành dưới 70%"


# --- QĐ 766 group 5 ---------------------------------------------------------------------------


def test_qd766_with_dossier_figures():
    # PAKN: 40 settled on time + 8 settled late + 2 open and overdue = 50; 3 answers rejected.
    #   5.2 = 40 / 50 = 80.0 % → 6 × 80 / 100 = 4.80 points
    #   5.3 = (50 − 8 − 2 − 3) / 50 = 37 / 50 = 74.0 % → 6 × 0.74 = 4.44 points
    # Dossiers: 20 late of 400 resolved (5 %), 30 of 600 ratings dissatisfied (5 %):
    #   5.4 = 100 − 5 − 5 = 90.0 % → threshold 90: full 6 points
    result = f.qd766(
        settled_on_time=40,
        settled_late=8,
        open_overdue=2,
        dissatisfied_verdicts=3,
        late_dossiers=20,
        resolved_dossiers=400,
        dissatisfied_ratings=30,
        ratings=600,
    )
    assert result == {
        "5.2": {"pct": 80.0, "points": 4.8, "max": 6},
        "5.3": {"pct": 74.0, "points": 4.44, "max": 6},
        "5.4": {"pct": 90.0, "points": 6.0, "max": 6},
    }


def test_qd766_without_dossier_figures_has_no_5_4():
    result = f.qd766(40, 8, 2, 3, None, None, 30, 600)
    assert result["5.4"] == {"pct": None, "points": None, "max": 6}
    assert result["5.2"]["pct"] == 80.0
    assert f.qd766(40, 8, 2, 3, 0, 0, 30, 600)["5.4"]["pct"] is None


def test_qd766_5_4_above_threshold_caps_at_full_points():
    # 100 − 2/200×100 − 1/100×100 = 100 − 1 − 1 = 98.0 % ≥ 90 % → 6 points, not 6 × 98/90
    result = f.qd766(10, 0, 0, 0, 2, 200, 1, 100)
    assert result["5.4"] == {"pct": 98.0, "points": 6.0, "max": 6}
    # Just under: 100 − 10/100×100 − 1/100×100 = 89.0 % → 6 × 89 / 90 = 5.933… → 5.93
    assert f.qd766(10, 0, 0, 0, 10, 100, 1, 100)["5.4"] == {"pct": 89.0, "points": 5.93, "max": 6}


def test_qd766_without_cases_has_no_5_2_or_5_3():
    result = f.qd766(0, 0, 0, 0, 2, 200, 1, 100)
    assert result["5.2"] == {"pct": None, "points": None, "max": 6}
    assert result["5.3"] == {"pct": None, "points": None, "max": 6}


def test_qd766_without_ratings_leaves_their_term_out():
    # 100 − 20/400×100 = 95.0 %
    assert f.qd766(1, 0, 0, 0, 20, 400, 0, 0)["5.4"]["pct"] == 95.0


def test_qd766_shares_do_not_go_below_zero():
    # Every case late and also rejected: 2 − 2 − 2 < 0 when both are subtracted.
    assert f.qd766(0, 2, 0, 2, 0, 10, 0, 0)["5.3"] == {"pct": 0.0, "points": 0.0, "max": 6}


def test_qd766_settings_override_points_and_thresholds():
    settings = f.qd766_settings(points={"5.2": 4}, thresholds={"5.3": 80})
    assert settings == {"5.2": (4, 100), "5.3": (6, 80), "5.4": (6, 90)}
    result = f.qd766(40, 8, 2, 3, None, None, 0, 0, settings=settings)
    assert result["5.2"] == {"pct": 80.0, "points": 3.2, "max": 4}  # 4 × 0.8
    assert result["5.3"] == {"pct": 74.0, "points": 5.55, "max": 6}  # 6 × 74 / 80 = 5.55
    # A partial mapping keeps the other defaults.
    assert f.qd766(40, 8, 2, 3, None, None, 0, 0, settings={"5.2": (12, 100)})["5.2"] == {
        "pct": 80.0,
        "points": 9.6,
        "max": 12,
    }


def test_qd766_defaults_are_data():
    assert f.QD766_DEFAULTS == {"5.2": (6, 100), "5.3": (6, 100), "5.4": (6, 90)}


def test_qd766_refuses_a_zero_threshold():
    with pytest.raises(ValueError):
        f.qd766(1, 0, 0, 0, None, None, 0, 0, settings={"5.2": (6, 0)})


# --- dossiers --------------------------------------------------------------------------------


def test_coverage_and_on_time():
    assert f.coverage_pct(150, 600) == 25.0
    assert f.coverage_pct(150, 0) is None
    assert f.coverage_pct(150, None) is None
    # Thanh Xuân, H1 2022: 2,433 of 2,513 on time, none late (REFERENCE.md); here 2,400
    # resolved, 33 early and 2,367 on time → 100.0 %.
    assert f.on_time_pct(33, 2367, 2400) == 100.0
    assert f.on_time_pct(10, 80, 100) == 90.0
    assert f.on_time_pct(0, 0, 0) is None
