"""A summary's `reasons` figure built by hand, for the tests of the files that render it."""


def reasons_figure(low: int, counts: dict[str, int]) -> dict:
    """Two reasons (attitude, wait_time) with these counts over `low` ratings of 1–2; a reason
    missing from `counts` is a withheld (null) cell."""
    return {
        "low_ratings": low,
        "items": [
            {
                "code": code,
                "label": label,
                "count": counts.get(code),
                "pct_of_low": None if counts.get(code) is None else counts[code] * 100 / low,
            }
            for code, label in (("attitude", "Thái độ"), ("wait_time", "Thời gian chờ"))
        ],
    }
