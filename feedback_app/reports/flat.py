"""The summary as one flat table (CSV): a row per figure, for the unit and each child unit.

UTF-8 with a byte-order mark so Excel opens Vietnamese correctly; a text cell that a
spreadsheet would read as a formula (=, +, -, @) is neutralised with a leading apostrophe. A
figure withheld because too few responses stand behind it reads "chưa đủ số phiếu", as in the
report and the annex; an empty cell means there is nothing to count (no dossier figures, a
question without a satisfied share).
"""

import csv
import io
from collections.abc import Iterator

HEADER = ("unit_code", "unit_name", "period", "figure", "value", "previous", "n")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSED = "chưa đủ số phiếu"


def neutralise(value):
    """A text cell that starts like a formula is prefixed so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(summary: dict) -> Iterator[tuple]:
    """Every figure of the unit and of each child, with the previous period's beside it."""
    for part in (summary, *summary.get("children", [])):
        yield from _unit_rows(part)


def _unit_rows(s: dict) -> Iterator[tuple]:
    p = s["previous"]
    head = (s["unit"]["code"], s["unit"]["name"], s["period"]["label"])

    def row(name, value, previous=None, n=None, small=False):
        """`small`: a None here means a cell below MIN_CELL, and says so."""
        if small:
            value = SUPPRESSED if value is None else value
            previous = SUPPRESSED if previous is None else previous
        return (*head, name, value, previous, n)

    yield row("responses", s["responses"], p["responses"])
    yield row("suspicious", s["suspicious"], p["suspicious"])
    yield row("satisfaction_index", s["satisfaction_index"], p["satisfaction_index"], small=True)
    yield row("coverage_pct", s["coverage_pct"], p["coverage_pct"])
    for factor, f in s["factors"].items():
        yield row(
            f"factor.{factor}",
            f["index"],
            (p["factors"].get(factor) or {}).get("index"),
            f["n"],
            small=True,
        )
    for code, q in s["questions"].items():
        before = p["questions"].get(code) or {}
        if q["mean"] is None or q["satisfied_pct"] is not None:  # a Likert question
            yield row(
                f"question.{code}.satisfied_pct",
                q["satisfied_pct"],
                before.get("satisfied_pct"),
                q["n"],
                small=True,
            )
        yield row(f"question.{code}.mean", q["mean"], before.get("mean"), q["n"], small=True)
        for level, count in (q["levels"] or {}).items():
            yield row(f"question.{code}.level.{level}", count, None, q["n"])
    yield from _reason_rows(row, "reasons", s.get("reasons"), p.get("reasons"))
    for channel, n in s["channels"].items():
        yield row(f"channel.{channel}", n, p["channels"].get(channel))
    for number, value in s["tt01"].items():
        yield row(f"tt01.{number}", value, p["tt01"].get(number))
    yield row("tt01_total.score", s["tt01_total"]["score"], p["tt01_total"]["score"])
    for criterion, q in s["qd766"].items():
        yield row(f"qd766.{criterion}.pct", q["pct"], p["qd766"][criterion]["pct"])
        yield row(f"qd766.{criterion}.points", q["points"], p["qd766"][criterion]["points"])
    for section in ("cases", "hotline", "paper", "dossiers", "kiosk"):
        for name, value in (s.get(section) or {}).items():
            if isinstance(value, dict):
                for key, inner in value.items():
                    yield row(
                        f"{section}.{name}.{key}",
                        inner,
                        ((p.get(section) or {}).get(name) or {}).get(key),
                    )
            else:
                yield row(f"{section}.{name}", value, (p.get(section) or {}).get(name))
    for desk in s.get("desks") or ():
        name = f"desk.{desk['id']}"
        yield from _reason_rows(row, f"{name}.reasons", desk.get("reasons"), None)
        for key, value in (desk.get("kiosk") or {}).items():
            yield row(f"{name}.kiosk.{key}", value)


def _reason_rows(row, name: str, reasons: dict | None, before: dict | None) -> Iterator[tuple]:
    """The low ratings, then each reason's count and share of them (withheld below MIN_CELL)."""
    if not reasons:
        return
    low = reasons["low_ratings"]
    earlier = {item["code"]: item for item in (before or {}).get("items") or ()}
    yield row(f"{name}.low_ratings", low, (before or {}).get("low_ratings"))
    for item in reasons["items"]:
        then = earlier.get(item["code"]) or {}
        for key in ("count", "pct_of_low"):
            previous = None if before is None else _withheld(then.get(key))
            yield row(f"{name}.{item['code']}.{key}", _withheld(item[key]), previous, low)


def _withheld(value):
    """A reason's figure, or the words for one withheld (too few low ratings behind it)."""
    return SUPPRESSED if value is None else value


def to_csv(summary: dict) -> str:
    """The flat table as CSV text (the caller writes it as UTF-8 with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for line in rows(summary):
        writer.writerow([neutralise(cell) for cell in line])
    return out.getvalue()
