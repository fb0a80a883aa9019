"""The published results (/results): for anyone, no sign-in (NĐ 61/2018 Điều 32).

`/results/` lists the units that publish, `/results/<code>` shows one unit and its children for
the last closed quarter and half-year with the published answers, and `/results/<code>/trend.png`
is the unit's 12-month trend. Every figure is `reports.service.summary`'s, through the whitelist
in `service.py`.
"""

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from ..i18n import current_language
from ..pagination import page_arg
from ..timeutil import local_today
from . import service

bp = Blueprint("results", __name__, template_folder="templates")

ANSWERS_PAGE_SIZE = 20
# How long a browser or a proxy may keep a public page: the figures are of closed periods.
PUBLIC_MAX_AGE = 300


def _cacheable(response: Response) -> Response:
    """Anyone may keep a public page a few minutes; a signed-in visitor's page names them in
    its top bar, so then no cache may keep it. The language follows the browser or a cookie."""
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _unit_or_404(code: str):
    unit = service.publishing_unit(code, local_today())
    if unit is None:
        abort(404)
    return unit


@bp.get("/")
def list_units():
    """The units that publish their results: the top of the map and the units just below."""
    units = service.publishing_units(local_today())
    return _cacheable(Response(render_template("results/index.html", units=units)))


@bp.get("/<code>")
def show_results(code: str):
    """Kết quả công khai: satisfaction and case figures of a unit and its children for the last
    closed quarter and half-year, its trend, and the answers it published."""
    unit = _unit_or_404(code)
    shown = [(p, service.public_summary(p, unit)) for p in service.periods_shown(local_today())]
    page = page_arg()
    answers, has_next = service.published_answers(unit, page, ANSWERS_PAGE_SIZE)
    body = render_template(
        "results/show.html",
        unit=unit,
        shown=shown,
        trend_alt=service.trend_alt(shown[0][0], unit),
        answers=answers,
        page=page,
        has_next=has_next,
        today=local_today(),
    )
    return _cacheable(Response(body))


@bp.get("/<code>/trend.png")
def show_trend(code: str):
    """The unit's satisfaction index and responses over the 12 months up to the last closed
    quarter's end."""
    unit = _unit_or_404(code)
    period = service.periods_shown(local_today())[0]
    png = service.trend_png(period, unit, current_language())
    return _cacheable(Response(png, mimetype="image/png"))
