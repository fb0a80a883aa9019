"""Report periods: every label form, the previous period, Vietnamese days in UTC, titles."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from feedback_app.reports import periods
from feedback_app.reports.periods import Period, PeriodError, parse

D = date


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("2022", "year", D(2022, 1, 1), D(2022, 12, 31)),
        ("2022-H1", "half", D(2022, 1, 1), D(2022, 6, 30)),
        ("2022-H2", "half", D(2022, 7, 1), D(2022, 12, 31)),
        ("2022-Q1", "quarter", D(2022, 1, 1), D(2022, 3, 31)),
        ("2022-Q2", "quarter", D(2022, 4, 1), D(2022, 6, 30)),
        ("2022-Q3", "quarter", D(2022, 7, 1), D(2022, 9, 30)),
        ("2022-Q4", "quarter", D(2022, 10, 1), D(2022, 12, 31)),
        ("2022-06", "month", D(2022, 6, 1), D(2022, 6, 30)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
        ("2023-02", "month", D(2023, 2, 1), D(2023, 2, 28)),
        ("2022-12", "month", D(2022, 12, 1), D(2022, 12, 31)),
        ("2022-01-01..2022-06-30", "custom", D(2022, 1, 1), D(2022, 6, 30)),
        ("2022-03-15..2022-03-15", "custom", D(2022, 3, 15), D(2022, 3, 15)),
        ("2000", "year", D(2000, 1, 1), D(2000, 12, 31)),
        ("2100-Q4", "quarter", D(2100, 10, 1), D(2100, 12, 31)),
    ],
)
def test_every_label_form_parses_and_round_trips(label, kind, start, end):
    period = parse(label)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert parse(period.label) == period
    assert str(period) == label


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("2022-h1", "2022-H1"),
        ("2022-q3", "2022-Q3"),
        ("  2022-Q3 \n", "2022-Q3"),
        (" 2022 ", "2022"),
    ],
)
def test_lowercase_and_surrounding_spaces_give_the_canonical_label(written, label):
    assert parse(written).label == label


@pytest.mark.parametrize(
    "label",
    [
        "2022-Q5",
        "2022-Q0",
        "2022-13",
        "2022-00",
        "1999",
        "2101",
        "2022-06-31..x",
        "2022-06-31..2022-07-10",
        "2022-06-30..2022-01-01",
        "2020-01-01..2023-12-31",
        "",
        "   ",
        "2022-H3",
        "2022-H0",
        "abc",
        "22-Q1",
        "2022Q1",
        "2022-Q1 2022-Q2",
        "2022-6",
        "2022-1-01..2022-06-30",
        "2022-01-01 .. 2022-06-30",
        "1999-12-01..2000-01-31",
        "２０２２",  # full-width digits: int() would read them, the label form does not allow them
        "2022-\u0661\u0662",  # Arabic-Indic digits
    ],
)
def test_bad_labels_raise_period_error_with_a_message(english, label):
    with pytest.raises(PeriodError) as caught:
        parse(label)
    assert "2022-H1" in caught.value.message and "2022-01-01..2022-06-30" in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_bad_label_message_says_why_in_english_and_vietnamese(babel_app):
    with babel_app.test_request_context("/?lang=en"), pytest.raises(PeriodError) as english:
        parse("2022-Q5")
    assert "four quarters" in english.value.message
    assert "“2022-Q5”" in english.value.message
    with babel_app.test_request_context("/?lang=vi"), pytest.raises(PeriodError) as vietnamese:
        parse("2022-13")
    assert "không phải là kỳ báo cáo hợp lệ" in vietnamese.value.message
    assert "tháng phải từ 01 đến 12" in vietnamese.value.message


def test_a_long_bad_label_is_shortened_in_the_message(english):
    with pytest.raises(PeriodError) as caught:
        parse("x" * 5000)
    assert len(caught.value.message) < 400


def test_custom_range_may_cover_three_years_including_a_leap_day_but_not_more(english):
    assert parse("2022-01-01..2024-12-31").days == 1096
    with pytest.raises(PeriodError) as caught:
        parse("2022-01-01..2025-01-01")
    assert "1096 days" in caught.value.message


def test_a_value_that_is_not_text_is_refused(english):
    with pytest.raises(PeriodError):
        parse(None)


@pytest.mark.parametrize(
    ("label", "previous"),
    [
        ("2022", "2021"),
        ("2022-H1", "2021-H2"),
        ("2022-H2", "2022-H1"),
        ("2022-Q1", "2021-Q4"),
        ("2022-Q2", "2022-Q1"),
        ("2022-Q4", "2022-Q3"),
        ("2022-01", "2021-12"),
        ("2022-03", "2022-02"),
        ("2024-03", "2024-02"),
        # 181 days (1 January to 30 June 2022) ending on 31 December 2021: from 4 July 2021.
        ("2022-01-01..2022-06-30", "2021-07-04..2021-12-31"),
        ("2022-03-15..2022-03-15", "2022-03-14..2022-03-14"),
        # Across a leap day: 1–10 March 2024 is 10 days, so 20–29 February 2024.
        ("2024-03-01..2024-03-10", "2024-02-20..2024-02-29"),
    ],
)
def test_previous_is_the_period_of_the_same_kind_just_before(label, previous):
    period = parse(label)
    before = period.previous()
    assert before.label == previous
    assert before.kind == period.kind
    assert before.end.toordinal() == period.start.toordinal() - 1


def test_previous_custom_range_has_the_same_number_of_days():
    period = parse("2022-01-01..2022-06-30")
    assert period.days == 181
    assert period.previous().days == 181


def test_days_counts_both_ends():
    assert parse("2022").days == 365
    assert parse("2024").days == 366
    assert parse("2022-Q1").days == 90
    assert parse("2022-02").days == 28


def test_utc_bounds_are_vietnamese_midnights():
    # Vietnam is UTC+7 all year: 2022-01-01 00:00 there is 2021-12-31 17:00 UTC.
    start, end = parse("2022").utc_bounds()
    assert start == datetime(2021, 12, 31, 17, 0, tzinfo=UTC)
    assert end == datetime(2022, 12, 31, 17, 0, tzinfo=UTC)
    assert start.utcoffset().total_seconds() == 0


def test_utc_bounds_put_late_evening_and_early_morning_on_the_right_day():
    start, end = parse("2022-06").utc_bounds()
    # 31 May 23:30 in Vietnam (16:30 UTC) is outside June; 1 June 00:30 (31 May 17:30 UTC) inside.
    assert not start <= datetime(2022, 5, 31, 16, 30, tzinfo=UTC) < end
    assert start <= datetime(2022, 5, 31, 17, 30, tzinfo=UTC) < end
    # 30 June 23:30 in Vietnam (16:30 UTC) is inside; 1 July 00:30 (30 June 17:30 UTC) outside.
    assert start <= datetime(2022, 6, 30, 16, 30, tzinfo=UTC) < end
    assert not start <= datetime(2022, 6, 30, 17, 30, tzinfo=UTC) < end


@pytest.mark.parametrize(
    ("label", "spans", "official"),
    [
        ("2025", True, False),
        ("2025-H1", False, True),
        ("2025-H2", False, False),
        ("2025-Q2", False, True),
        ("2025-Q3", False, False),
        ("2025-06", False, True),
        ("2025-07", False, False),
        ("2025-06-30..2025-07-01", True, False),
        ("2025-06-01..2025-06-30", False, True),
        ("2025-07-01..2025-07-31", False, False),
        ("2022", False, True),
        ("2026", False, False),
    ],
)
def test_reform_of_1_july_2025(label, spans, official):
    period = parse(label)
    assert period.spans_reform is spans
    assert period.tt01_official is official


def test_reform_day_is_1_july_2025():
    assert date(2025, 7, 1) == periods.REFORM_DAY


@pytest.mark.parametrize(
    ("kind", "today", "closed", "now"),
    [
        ("quarter", D(2022, 5, 10), "2022-Q1", "2022-Q2"),
        ("quarter", D(2022, 1, 1), "2021-Q4", "2022-Q1"),
        ("quarter", D(2022, 3, 31), "2021-Q4", "2022-Q1"),
        ("quarter", D(2022, 4, 1), "2022-Q1", "2022-Q2"),
        ("half", D(2022, 5, 10), "2021-H2", "2022-H1"),
        ("half", D(2022, 7, 1), "2022-H1", "2022-H2"),
        ("half", D(2022, 12, 31), "2022-H1", "2022-H2"),
        ("year", D(2022, 12, 31), "2021", "2022"),
        ("month", D(2022, 1, 15), "2021-12", "2022-01"),
    ],
)
def test_last_closed_and_current(kind, today, closed, now):
    assert periods.last_closed(kind, today).label == closed
    assert periods.last_closed(kind, today).end < today
    assert periods.current(kind, today).label == now
    assert periods.current(kind, today).start <= today <= periods.current(kind, today).end


def test_current_has_no_custom_kind():
    with pytest.raises(ValueError):
        periods.current("custom", D(2022, 1, 1))


@pytest.mark.parametrize(
    ("label", "starts"),
    [
        ("2022-Q1", [D(2022, 1, 1), D(2022, 2, 1), D(2022, 3, 1)]),
        ("2022-06", [D(2022, 6, 1)]),
        ("2021-12-20..2022-01-05", [D(2021, 12, 1), D(2022, 1, 1)]),
        ("2022-06-30..2022-06-30", [D(2022, 6, 1)]),
    ],
)
def test_month_starts(label, starts):
    assert periods.month_starts(parse(label)) == starts


def test_month_starts_of_a_year_has_twelve():
    assert len(periods.month_starts(parse("2022"))) == 12


def test_a_period_is_a_hashable_value():
    assert {parse("2022-Q1"), parse("2022-q1")} == {parse("2022-Q1")}
    with pytest.raises(ValueError):
        Period("week", D(2022, 1, 3), D(2022, 1, 9), "2022-W01")
    with pytest.raises(ValueError):
        Period("custom", D(2022, 1, 9), D(2022, 1, 3), "backwards")


VI_TITLES = {
    "2022": "Năm 2022",
    "2022-H1": "6 tháng đầu năm 2022",
    "2022-H2": "6 tháng cuối năm 2022",
    "2022-Q1": "Quý I năm 2022",
    "2022-Q2": "Quý II năm 2022",
    "2022-Q3": "Quý III năm 2022",
    "2022-Q4": "Quý IV năm 2022",
    "2022-06": "Tháng 6 năm 2022",
    "2022-12": "Tháng 12 năm 2022",
    "2022-01-01..2022-06-30": "Từ 01/01/2022 đến 30/06/2022",
}
EN_TITLES = {
    "2022": "Year 2022",
    "2022-H1": "First half of 2022",
    "2022-H2": "Second half of 2022",
    "2022-Q1": "Q1 2022",
    "2022-Q4": "Q4 2022",
    "2022-06": "June 2022",
    "2022-01": "January 2022",
    "2022-01-01..2022-06-30": "From 1 Jan 2022 to 30 Jun 2022",
}


def test_titles_in_vietnamese(vietnamese):
    assert {label: parse(label).title() for label in VI_TITLES} == VI_TITLES


def test_titles_in_english(english):
    assert {label: parse(label).title() for label in EN_TITLES} == EN_TITLES


def test_titles_follow_a_forced_locale(english):
    with force_locale("vi"):
        assert parse("2022-Q3").title() == "Quý III năm 2022"
