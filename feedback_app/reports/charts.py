"""Charts of one period summary, and their text alternatives for screen readers.

Every figure drawn here is read from the summary object (DESIGN.md §5); nothing is computed again,
so a chart can never disagree with the table beside it. Charts are pure functions of the summary
and the request's language: `matplotlib.figure.Figure` with the Agg canvas, never pyplot, and no
global rcParams, because several requests draw at once in one process.

Every text uses the DejaVu Sans files bundled with matplotlib (they carry the Vietnamese letters),
so a chart looks the same on every server whatever fonts the machine has.
"""

import io
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import matplotlib
from flask_babel import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from ..labels import RESPONSE_CHANNEL_LABELS
from .display import figure
from .formulas import rounded

KINDS = ("wards", "trend", "questions", "channels", "cases", "reasons")
FORMATS = ("png", "svg")

# SIPAS: the national target is a satisfaction index above 80% (REFERENCE.md).
TARGET_INDEX = 80
LIKERT_KEYS = frozenset({"1", "2", "3", "4", "5"})

WIDTH_IN = 8.0
DPI = 110
BAR = "#1f5f8b"
PREVIOUS_BAR = "#9cc3de"
TARGET = "#b03a2e"
MUTED = "#555555"
UNIT_DOT = "#6b6b6b"
# The prefix of a reason's code among the labels a chart is given (question codes are the rest).
REASON_LABEL = "reason:"
PERCENT_TICKS = (0, 20, 40, 60, 80, 100)


def font_path() -> str:
    """The TTF every chart text is drawn with: matplotlib's own DejaVu Sans."""
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


def render(
    summary: Mapping, kind: str, *, labels: Mapping[str, str] | None = None, fmt: str = "png"
) -> bytes:
    """The chart `kind` of `summary` as PNG or SVG bytes, in the request's language.

    `labels` maps question codes to their texts (the questions chart falls back to the code).
    Missing or suppressed data gives an image that says so, never an error.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r}; expected one of {KINDS}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; expected one of {FORMATS}")
    figure = _DRAW[kind](summary, labels or {})
    _use_bundled_font(figure)
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    # No date in the SVG, so the same summary always gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else None
    figure.savefig(out, format=fmt, dpi=DPI, metadata=metadata)
    return out.getvalue()


def alt_text(summary: Mapping, kind: str, *, labels: Mapping[str, str] | None = None) -> str:
    """What the chart `kind` shows, as one sentence with every figure, for screen readers."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r}; expected one of {KINDS}")
    return _ALT[kind](summary, labels or {})


# --- numbers and names ---------------------------------------------------------------------


def _pct(value: float | None) -> str:
    """85.3 → "85,3%" in Vietnamese, "85.3%" in English; a suppressed cell says so."""
    return figure(value, 1, "%")


def _count(value: int) -> str:
    """5339 → "5.339" in Vietnamese, "5,339" in English."""
    return figure(value, 0)


def _whole_pct(value: float) -> str:
    """An axis tick or the target: 80 → "80%"."""
    return figure(value, 0, "%")


def _clean(text: str) -> str:
    """Composed Unicode: names typed with combining accents would otherwise be drawn as a
    letter and a loose accent."""
    return unicodedata.normalize("NFC", str(text))


def _month(key: str) -> str:
    """ "2026-01" → "01/2026", as dates are written in Vietnam."""
    year, _sep, month = key.partition("-")
    return f"{month}/{year}"


def _series(items: Sequence[str]) -> str:
    """Items of a text alternative; semicolons, since Vietnamese numbers contain commas."""
    return "; ".join(items)


# --- what each chart reads from the summary ------------------------------------------------


def _units(summary: Mapping) -> tuple[list[Mapping], list[Mapping]]:
    """Children with an index, best first, and the suppressed ones, by name."""
    children = summary.get("children") or []
    shown = [c for c in children if c.get("satisfaction_index") is not None]
    shown.sort(key=lambda c: (-c["satisfaction_index"], c["unit"]["name"]))
    hidden = sorted(
        (c for c in children if c.get("satisfaction_index") is None),
        key=lambda c: c["unit"]["name"],
    )
    return shown, hidden


def _likert_questions(summary: Mapping) -> tuple[list[tuple], list[tuple]]:
    """Likert questions as (code, stats): with a share, weakest first, and the suppressed."""
    likert = [
        (code, stats)
        for code, stats in (summary.get("questions") or {}).items()
        if set(stats.get("levels") or {}) == LIKERT_KEYS
    ]
    shown = [q for q in likert if q[1].get("satisfied_pct") is not None]
    shown.sort(key=lambda q: (q[1]["satisfied_pct"], q[0]))
    hidden = [q for q in likert if q[1].get("satisfied_pct") is None]
    return shown, hidden


def _channels(summary: Mapping) -> list[tuple[str, int]]:
    """(translated channel name, responses) of the channels that had any."""
    return [
        (str(RESPONSE_CHANNEL_LABELS.get(channel, channel)), n)
        for channel, n in (summary.get("channels") or {}).items()
        if n
    ]


def _case_counts(cases: Mapping | None) -> tuple[int, int, int] | None:
    """Received, answered and answered on time; None when the period has no case figures."""
    if not cases:
        return None
    answered = cases.get("answered") or 0
    share = cases.get("answered_on_time_pct")
    # The summary gives the on-time share; the count is that share of the answered cases.
    on_time = 0 if share is None else int(rounded(answered * Fraction(str(share)) / 100, 0))
    return cases.get("received") or 0, answered, on_time


def _case_periods(summary: Mapping) -> list[tuple[str, tuple[int, int, int]]]:
    """(legend name, counts) for the previous period and this one, those with figures."""
    previous = summary.get("previous") or {}
    periods = [
        (
            _("Previous period (%(period)s)", period=_period_label(previous)),
            _case_counts(previous.get("cases")),
        ),
        (
            _("This period (%(period)s)", period=_period_label(summary)),
            _case_counts(summary.get("cases")),
        ),
    ]
    return [(name, counts) for name, counts in periods if counts is not None]


def _case_metrics() -> list[str]:
    """The three case counts, named in the request's language (so called at request time)."""
    return [_("Received"), _("Answered"), _("Answered on time")]


def _period_label(summary: Mapping) -> str:
    """ "2026-H1": the same in both languages, and short enough for a legend."""
    return (summary.get("period") or {}).get("label", "")


def _subtitle(summary: Mapping) -> str:
    """Unit and period under each title, so a chart copied into a document keeps its context."""
    unit = (summary.get("unit") or {}).get("name", "")
    return ", ".join(part for part in (_clean(unit), _period_label(summary)) if part)


# --- drawing -------------------------------------------------------------------------------


def _figure(height: float) -> Figure:
    return Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")


def _title(figure: Figure, title: str, summary: Mapping) -> None:
    figure.suptitle(title, x=0.02, ha="left", fontsize=13, fontweight="bold")
    figure.supxlabel(_subtitle(summary), x=0.02, ha="left", fontsize=9, color=MUTED)


def _say_empty(figure: Figure, message: str) -> None:
    """A chart with nothing to draw still answers: "No data" in the middle of the image."""
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, color=MUTED)


def _percent_axis(ax, axis: str = "x") -> None:
    """0–100 with fixed, locale-formatted ticks (fixed ticks keep the font set on them)."""
    labels = [_whole_pct(t) for t in PERCENT_TICKS]
    if axis == "x":
        ax.set_xticks(PERCENT_TICKS, labels=labels)
    else:
        ax.set_yticks(PERCENT_TICKS, labels=labels)


def _interval_bars(ax, rows: list[tuple[float, Sequence[float] | None, int]]) -> None:
    """Horizontal bars at y = 0, 1, … on a 0–100% axis, with their 95% intervals as error bars
    and, after each, the value and the number of answers behind it."""
    ys = range(len(rows))
    ax.barh(ys, [value for value, _ci, _n in rows], color=BAR, height=0.6)
    with_ci = [(y, value, ci) for y, (value, ci, _n) in zip(ys, rows, strict=True) if ci]
    if with_ci:
        ax.errorbar(
            [value for _y, value, _ci in with_ci],
            [y for y, _value, _ci in with_ci],
            # An interval computed apart (e.g. rounded bounds) may not quite contain its value;
            # it is drawn up to the value rather than refused.
            xerr=[
                [max(0, value - ci[0]) for _y, value, ci in with_ci],
                [max(0, ci[1] - value) for _y, value, ci in with_ci],
            ],
            fmt="none",
            ecolor="#222222",
            elinewidth=1,
            capsize=3,
        )
    for y, (value, ci, n) in zip(ys, rows, strict=True):
        end = max(value, ci[1]) if ci else value
        ax.text(
            end + 1.5,
            y,
            f"{_pct(value)} (n={_count(n)})",
            va="center",
            fontsize=8,
            # Over the target line, which would otherwise cross the digits.
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    # The axis stops at 100%; the room after it is for these values.
    ax.set_xlim(0, 128)
    ax.spines["bottom"].set_bounds(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    _percent_axis(ax)


def _not_enough_rows(ax, first_y: int, count: int) -> None:
    for y in range(first_y, first_y + count):
        ax.text(1, y, _("not enough responses"), va="center", fontsize=8, color=MUTED)


def _draw_wards(summary: Mapping, labels: Mapping) -> Figure:
    shown, hidden = _units(summary)
    rows = len(shown) + len(hidden)
    figure = _figure(max(3.2, 1.5 + 0.34 * rows))
    _title(figure, _("Satisfaction index by unit"), summary)
    if not rows:
        _say_empty(figure, _("No data"))
        return figure
    ax = figure.add_subplot()
    _interval_bars(
        ax,
        [
            (c["satisfaction_index"], c.get("satisfaction_ci95"), c.get("responses") or 0)
            for c in shown
        ],
    )
    _not_enough_rows(ax, len(shown), len(hidden))
    ax.axvline(
        TARGET_INDEX,
        color=TARGET,
        linestyle="--",
        linewidth=1.2,
        label=_("National target %(target)s", target=_whole_pct(TARGET_INDEX)),
    )
    names = [textwrap.fill(_clean(c["unit"]["name"]), 30) for c in shown + hidden]
    ax.set_yticks(range(rows), labels=names, fontsize=9)
    ax.set_ylim(rows - 0.5, -0.5)
    figure.legend(loc="outside lower right", frameon=False, fontsize=9)
    return figure


def _draw_trend(summary: Mapping, labels: Mapping) -> Figure:
    trend = summary.get("trend") or []
    figure = _figure(4.2)
    _title(figure, _("Satisfaction index and responses by month"), summary)
    if not trend or not any(m.get("responses") for m in trend):
        _say_empty(figure, _("No data"))
        return figure
    xs = range(len(trend))
    ax = figure.add_subplot()
    counts_ax = ax.twinx()
    # The line is drawn over the bars of the twin axes: its axes come first, with no background.
    ax.set_zorder(counts_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    responses = [m.get("responses") or 0 for m in trend]
    bars = counts_ax.bar(xs, responses, color=PREVIOUS_BAR, width=0.6, label=_("Responses"))
    index = [
        float("nan") if m.get("satisfaction_index") is None else m["satisfaction_index"]
        for m in trend
    ]
    (line,) = ax.plot(xs, index, color=BAR, marker="o", linewidth=2, label=_("Satisfaction index"))
    if all(value is None for value in (m.get("satisfaction_index") for m in trend)):
        ax.text(0.5, 0.5, _("not enough responses"), transform=ax.transAxes, ha="center")
    ax.set_ylim(0, 100)
    _percent_axis(ax, "y")
    ax.set_xticks(xs, labels=[_month(m.get("month", "")) for m in trend], fontsize=8)
    top = max(responses) * 1.15
    counts_ax.set_ylim(0, top)
    ticks = [t for t in MaxNLocator(5, integer=True).tick_values(0, top) if 0 <= t <= top]
    counts_ax.set_yticks(ticks, labels=[_count(int(t)) for t in ticks])
    ax.set_ylabel(_("Satisfaction index"))
    counts_ax.set_ylabel(_("Responses"))
    figure.legend(
        handles=[line, bars], loc="outside lower right", ncols=2, frameon=False, fontsize=9
    )
    return figure


def _draw_questions(summary: Mapping, labels: Mapping) -> Figure:
    shown, hidden = _likert_questions(summary)
    names = [textwrap.fill(_clean(labels.get(code, code)), 40) for code, _s in shown + hidden]
    lines = sum(name.count("\n") + 1 for name in names)
    figure = _figure(max(3.2, 1.3 + 0.2 * lines + 0.16 * len(names)))
    _title(figure, _("Share satisfied by question, weakest first"), summary)
    if not names:
        _say_empty(figure, _("No data"))
        return figure
    ax = figure.add_subplot()
    _interval_bars(ax, [(s["satisfied_pct"], s.get("ci95"), s.get("n") or 0) for _c, s in shown])
    _not_enough_rows(ax, len(shown), len(hidden))
    ax.set_yticks(range(len(names)), labels=names, fontsize=8)
    ax.set_ylim(len(names) - 0.5, -0.5)
    return figure


def _draw_channels(summary: Mapping, labels: Mapping) -> Figure:
    channels = _channels(summary)
    figure = _figure(3.8)
    _title(figure, _("Responses by channel"), summary)
    if not channels:
        _say_empty(figure, _("No data"))
        return figure
    ax = figure.add_subplot()
    xs = range(len(channels))
    counts = [n for _name, n in channels]
    ax.bar(xs, counts, color=BAR, width=0.6)
    for x, n in zip(xs, counts, strict=True):
        ax.text(x, n, _count(n), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(xs, labels=[textwrap.fill(name, 18) for name, _n in channels], fontsize=9)
    _count_axis(ax, max(counts))
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def _count_axis(ax, highest: int) -> None:
    """A 0-based count axis with locale-formatted fixed ticks and headroom for the values."""
    top = highest * 1.12
    ax.set_ylim(0, top)
    ticks = [t for t in MaxNLocator(5, integer=True).tick_values(0, top) if 0 <= t <= top]
    ax.set_yticks(ticks, labels=[_count(int(t)) for t in ticks])


def _draw_cases(summary: Mapping, labels: Mapping) -> Figure:
    periods = _case_periods(summary)
    figure = _figure(3.8)
    _title(figure, _("Cases received and answered"), summary)
    if not any(any(counts) for _name, counts in periods):
        _say_empty(figure, _("No data"))
        return figure
    ax = figure.add_subplot()
    metrics = _case_metrics()
    width = 0.8 / len(periods)
    colours = [PREVIOUS_BAR, BAR][-len(periods) :]
    for i, ((name, counts), colour) in enumerate(zip(periods, colours, strict=True)):
        xs = [m + (i - (len(periods) - 1) / 2) * width for m in range(len(metrics))]
        ax.bar(xs, counts, width=width * 0.95, color=colour, label=name)
        for x, n in zip(xs, counts, strict=True):
            ax.text(x, n, _count(n), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(metrics)), labels=metrics, fontsize=9)
    _count_axis(ax, max(max(counts) for _name, counts in periods))
    ax.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="outside lower right", ncols=2, frameon=False, fontsize=9)
    return figure


def _reasons(summary: Mapping, labels: Mapping) -> list[dict]:
    """Each reason of the unit: its label, share and count, and the shares of the units below
    it (name, share) with one, highest first. `labels` may name a reason in the chart's
    language under "reason:<code>" (beside the question codes); otherwise the summary's label."""
    children = summary.get("children") or []
    rows = []
    for item in (summary.get("reasons") or {}).get("items") or []:
        code = item.get("code", "")
        below = []
        for child in children:
            for other in (child.get("reasons") or {}).get("items") or []:
                if other.get("code") == code and other.get("pct_of_low") is not None:
                    below.append((_clean(child["unit"]["name"]), other["pct_of_low"]))
        below.sort(key=lambda pair: (-pair[1], pair[0]))
        rows.append(
            {
                "label": _clean(labels.get(REASON_LABEL + code) or item.get("label") or code),
                "pct": item.get("pct_of_low"),
                "count": item.get("count"),
                "below": below,
                "highest": _highest(below),
            }
        )
    return rows


def _highest(below: list[tuple[str, float]]) -> tuple[str, float] | None:
    """The unit below with a higher share than every other one (none when two share the top,
    or when the top is 0)."""
    if not below or below[0][1] <= 0 or (len(below) > 1 and below[1][1] == below[0][1]):
        return None
    return below[0]


def _low_ratings(summary: Mapping) -> int:
    return (summary.get("reasons") or {}).get("low_ratings") or 0


def _draw_reasons(summary: Mapping, labels: Mapping) -> Figure:
    """A bar per reason: its share of the unit's low ratings; a dot per unit below it with its
    own share, the highest named, so one ward's "waiting time" stands out."""
    rows = _reasons(summary, labels)
    names = [textwrap.fill(row["label"], 28) for row in rows]
    figure = _figure(max(3.2, 1.6 + 0.45 * len(rows)))
    _title(
        figure,
        _(
            "Reasons given with a low rating (%(n)s ratings of 1–2)",
            n=_count(_low_ratings(summary)),
        ),
        summary,
    )
    if not rows:
        _say_empty(figure, _("No data"))
        return figure
    ax = figure.add_subplot()
    ys = range(len(rows))
    shares = [row["pct"] or 0 for row in rows]
    ax.barh(
        ys, shares, color=BAR, height=0.6, label=_clean((summary.get("unit") or {}).get("name", ""))
    )
    highest = max([*shares, *(share for row in rows for _name, share in row["below"]), 100])
    dots = False
    for y, row in zip(ys, rows, strict=True):
        if row["pct"] is None:
            ax.text(1, y, _("not enough responses"), va="center", fontsize=8, color=MUTED)
        else:
            ax.text(
                row["pct"] + highest * 0.015,
                y,
                f"{_pct(row['pct'])} (n={_count(row['count'] or 0)})",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        if row["below"]:
            dots = True
            ax.scatter(
                [share for _name, share in row["below"]],
                [y + 0.38] * len(row["below"]),
                s=14,
                color=UNIT_DOT,
                zorder=3,
            )
        if row["highest"]:
            name, share = row["highest"]
            ax.scatter([share], [y + 0.38], s=30, color=TARGET, zorder=4)
            ax.text(
                share, y + 0.38, f" {name} {_pct(share)}", va="center", fontsize=7, color=TARGET
            )
    if dots:
        ax.scatter([], [], s=14, color=UNIT_DOT, label=_("Each unit below"))
    if any(row["highest"] for row in rows):
        ax.scatter([], [], s=30, color=TARGET, label=_("The highest unit below"))
    ax.set_xlim(0, highest * 1.3)
    ax.spines["bottom"].set_bounds(0, highest)
    ax.spines[["top", "right"]].set_visible(False)
    ticks = [t for t in MaxNLocator(6, integer=True).tick_values(0, highest) if 0 <= t <= highest]
    ax.set_xticks(ticks, labels=[_whole_pct(t) for t in ticks])
    ax.set_yticks(list(ys), labels=names, fontsize=9)
    ax.set_ylim(len(rows) - 0.3, -0.6)
    figure.legend(loc="outside lower right", ncols=3, frameon=False, fontsize=9)
    return figure


def _use_bundled_font(figure: Figure) -> None:
    """Every text of the figure in the bundled DejaVu Sans, keeping its size and weight.

    Set on each text rather than through rcParams, which are shared by every request of the
    process. Mathtext is turned off: a "$" in a ward's name or a question is just a dollar sign.
    """
    folder = Path(font_path()).parent
    for text in figure.findobj(Text):
        bold = text.get_fontweight() in ("bold", "heavy", "black", 700, 800, 900)
        file = folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
        text.set_fontproperties(FontProperties(fname=file, size=text.get_fontsize()))
        text.set_parse_math(False)


_DRAW: dict[str, Callable[[Mapping, Mapping], Figure]] = {
    "wards": _draw_wards,
    "trend": _draw_trend,
    "questions": _draw_questions,
    "channels": _draw_channels,
    "cases": _draw_cases,
    "reasons": _draw_reasons,
}


# --- text alternatives ---------------------------------------------------------------------


def _with_n(name: str, value: float | None, n: int) -> str:
    return _("%(name)s %(value)s (n=%(n)s)", name=name, value=_pct(value), n=_count(n))


def _alt_wards(summary: Mapping, labels: Mapping) -> str:
    shown, hidden = _units(summary)
    items = [
        _with_n(_clean(c["unit"]["name"]), c.get("satisfaction_index"), c.get("responses") or 0)
        for c in shown + hidden
    ]
    return _(
        "Satisfaction index by unit: %(items)s. National target: %(target)s.",
        items=_series(items) or _("No data"),
        target=_whole_pct(TARGET_INDEX),
    )


def _alt_trend(summary: Mapping, labels: Mapping) -> str:
    items = [
        _with_n(_month(m.get("month", "")), m.get("satisfaction_index"), m.get("responses") or 0)
        for m in summary.get("trend") or []
    ]
    return _(
        "Satisfaction index and responses by month: %(items)s.",
        items=_series(items) or _("No data"),
    )


def _alt_questions(summary: Mapping, labels: Mapping) -> str:
    shown, hidden = _likert_questions(summary)
    items = []
    for code, stats in shown + hidden:
        item = _with_n(_clean(labels.get(code, code)), stats.get("satisfied_pct"), stats["n"])
        ci = stats.get("ci95")
        if ci and stats.get("satisfied_pct") is not None:
            item += " " + _("95%% interval %(low)s–%(high)s", low=_pct(ci[0]), high=_pct(ci[1]))
        items.append(item)
    return _(
        "Share satisfied by question, weakest first: %(items)s.",
        items=_series(items) or _("No data"),
    )


def _alt_channels(summary: Mapping, labels: Mapping) -> str:
    items = [f"{name} {_count(n)}" for name, n in _channels(summary)]
    return _("Responses by channel: %(items)s.", items=_series(items) or _("No data"))


def _alt_cases(summary: Mapping, labels: Mapping) -> str:
    metrics = _case_metrics()
    items = [
        name + ": " + ", ".join(f"{m} {_count(n)}" for m, n in zip(metrics, counts, strict=True))
        for name, counts in reversed(_case_periods(summary))
    ]
    return _("Cases received and answered: %(items)s.", items=_series(items) or _("No data"))


def _alt_reasons(summary: Mapping, labels: Mapping) -> str:
    rows = _reasons(summary, labels)
    items = []
    for row in rows:
        if row["pct"] is None:
            item = f"{row['label']} {_pct(None)}"
        else:
            item = f"{row['label']} {_pct(row['pct'])} (n={_count(row['count'] or 0)})"
        if row["highest"]:
            name, share = row["highest"]
            item += " " + _("highest: %(name)s %(share)s", name=name, share=_pct(share))
        items.append(item)
    return _(
        "Reasons given with a low rating, as a share of the %(n)s ratings of 1–2: %(items)s.",
        n=_count(_low_ratings(summary)),
        items=_series(items) or _("No data"),
    )


_ALT: dict[str, Callable[[Mapping, Mapping], str]] = {
    "wards": _alt_wards,
    "trend": _alt_trend,
    "questions": _alt_questions,
    "channels": _alt_channels,
    "cases": _alt_cases,
    "reasons": _alt_reasons,
}
