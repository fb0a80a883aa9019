"""Kết quả công khai: what the public results page may show, and a short per-process cache.

NĐ 61/2018 Điều 32 (publication kept by NĐ 118/2025) asks each unit to publish how satisfied
people are with it. Every figure comes from `reports.service.summary`; this module only picks
the keys that may be published (a whitelist), so a key added to the summary later (officers,
comments, anything) stays private until it is named here.

A summary takes a few grouped queries over the whole tree; a public page may be asked for by
many people at once. So each public view is kept for a minute per process, keyed by the unit,
the period and the data version (how many responses the rollups have folded): when a summary
elsewhere (a staff page) folds new answers, the next public request shows them; other changes
(a case answered, answers not folded yet) show within the minute. Reading the version folds
nothing, so a stream of kiosk answers does not empty the cache. Nothing depends on another
process seeing the same cache (DESIGN §6).
"""

import re
from datetime import date

from flask import current_app
from sqlalchemy import or_, select

from ..cache import TimedCache
from ..cases.service import PublicView, public_view
from ..extensions import db
from ..models import AdminUnit, Case
from ..pagination import page_of
from ..reports import charts, periods
from ..reports import service as reports
from ..units.service import find_unit

# The last closed quarter and half-year, in this order (NĐ 61/2018 Điều 32).
PERIOD_KINDS = ("quarter", "half")
DEFAULT_CACHE_SECONDS = 60
CACHE_ENTRIES = 256
# Unit codes are the statistics office's digits; anything else cannot name a unit.
_CODE_RE = re.compile(r"[0-9A-Za-z._-]{1,16}", re.ASCII)

# What may be published of a unit, of its case figures, and of each month of its trend.
_UNIT_FIGURES = ("responses", "satisfaction_index", "satisfaction_ci95", "overall_satisfied_pct")
_CASE_FIGURES = ("received", "answered_on_time_pct")
_TREND_FIGURES = ("month", "responses", "satisfaction_index")
_PERIOD_FIELDS = ("label", "start", "end")


def _cache() -> TimedCache:
    """This app's cache (one per app, so tests with fresh databases never share one)."""
    return current_app.extensions.setdefault("results_cache", TimedCache(CACHE_ENTRIES))


def _ttl() -> float:
    return float(current_app.config.get("RESULTS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def _current(today: date):
    """A condition: the unit version is in force on `today`."""
    return (AdminUnit.valid_from <= today) & or_(
        AdminUnit.valid_to.is_(None), AdminUnit.valid_to >= today
    )


def publishing_unit(code: str, today: date) -> AdminUnit | None:
    """The unit with this code: the version in force today, else its latest version (a unit
    merged away still answers for the periods it served, and says since when it is former);
    None for an unknown code."""
    if not _CODE_RE.fullmatch(code):
        return None
    return find_unit(code, today)


def publishing_units(today: date) -> list[dict]:
    """The units in force today at the top of the map and the units just below them (former
    ones too, with the day they ended: their results stay published), in map order, as
    `{"code", "name", "depth", "ended"}`; every unit's page links on to its own children."""
    order = (AdminUnit.name, AdminUnit.id)
    tops = db.session.scalars(
        select(AdminUnit).where(AdminUnit.parent_id.is_(None), _current(today)).order_by(*order)
    ).all()
    below: dict[int, list[AdminUnit]] = {}
    for child in db.session.scalars(
        select(AdminUnit).where(AdminUnit.parent_id.in_([top.id for top in tops])).order_by(*order)
    ):
        below.setdefault(child.parent_id, []).append(child)
    listed = []
    for top in tops:
        listed.append({"code": top.code, "name": top.name, "depth": 0, "ended": None})
        listed += [
            {
                "code": child.code,
                "name": child.name,
                "depth": 1,
                "ended": None if child.is_current(today) else child.valid_to,
            }
            for child in below.get(top.id, [])
        ]
    return listed


def periods_shown(today: date) -> list[periods.Period]:
    """The last closed quarter and the last closed half-year."""
    return [periods.last_closed(kind, today) for kind in PERIOD_KINDS]


def _unit_view(figures: dict) -> dict:
    """The publishable figures of one unit: the whitelist, nothing else."""
    cases = figures.get("cases") or {}
    view = {"unit": {"code": figures["unit"]["code"], "name": figures["unit"]["name"]}}
    view.update({key: figures.get(key) for key in _UNIT_FIGURES})
    view["cases"] = {key: cases.get(key) for key in _CASE_FIGURES}
    return view


def whitelist(summary: dict) -> dict:
    """The public view of a period summary: the unit's headline and case figures, the same for
    each child unit, and the unit's 12-month trend. Shaped like the summary (same key names),
    so the chart renderers take it as they take a summary."""
    view = _unit_view(summary)
    view["period"] = {key: summary["period"][key] for key in _PERIOD_FIELDS}
    view["trend"] = [
        {key: month.get(key) for key in _TREND_FIGURES} for month in summary.get("trend") or []
    ]
    view["children"] = [_unit_view(child) for child in summary.get("children") or []]
    return view


def public_summary(period: periods.Period, unit: AdminUnit) -> dict:
    """The public view of a unit's period, from this process's cache when it is fresh."""
    cache, ttl = _cache(), _ttl()

    def make() -> dict:
        view = whitelist(reports.summary(period, unit))
        # The summary folded whatever was waiting, which moved the version on: keep the view
        # under the new version too, or the next request would compute it all again.
        cache.put(("view", unit.code, period.label, reports.data_version()), view)
        return view

    return cache.get(("view", unit.code, period.label, reports.data_version()), ttl, make)


def trend_png(period: periods.Period, unit: AdminUnit, language: str) -> bytes:
    """The unit's 12-month trend (ending with the period) as a PNG, cached like the view."""
    view = public_summary(period, unit)
    key = ("trend.png", unit.code, period.label, reports.data_version(), language)
    return _cache().get(key, _ttl(), lambda: charts.render(titled(view, period), "trend"))


def trend_alt(period: periods.Period, unit: AdminUnit) -> str:
    """What the trend chart shows, in words, for the image's alt text."""
    return charts.alt_text(titled(public_summary(period, unit), period), "trend")


def titled(view: dict, period: periods.Period) -> dict:
    """The view with its period's title in the language of this request (the cached view is
    the same for every language)."""
    return {**view, "period": {**view["period"], "title": period.title()}}


def published_answers(unit: AdminUnit, page: int, size: int) -> tuple[list[PublicView], bool]:
    """A page of the published answers of the unit and the units below it, newest first, as
    the tracking page shows them (phone and ID numbers masked, no sender); and whether there
    is a next page."""
    found, has_next = page_of(
        select(Case)
        .where(
            Case.unit_id.in_(unit.descendant_ids()),
            Case.published.is_(True),
            Case.answer.is_not(None),
            Case.answer != "",
            Case.answered_at.is_not(None),
        )
        .order_by(Case.answered_at.desc(), Case.id.desc()),
        page,
        size,
    )
    return [public_view(case) for case in found], has_next
