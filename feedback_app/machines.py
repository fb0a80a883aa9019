"""Blueprints that serve machines rather than people, each declared where it is made.

`serves_machines(bp)`: the blueprint's answers are JSON, errors included, never an HTML page
(tablets, Twilio, SMS gateways and API readers parse what they get), and a `?lang=` asked of it
is not remembered. With `sessionless=True` its requests also neither read nor set the session
cookie: the kiosk API authenticates a tablet by the token in its URL, and skips the cookie's
signing work on its hottest path.

A request is the blueprint's whose route it matches. One that matches no route (a 404 or 405
from routing itself) belongs to the route nearest its path, the one sharing the most leading
path segments, so `/api/v9/anything` is answered in JSON and `/nothing` with a page; on a tie
between a machine's route and a page's, the page wins.
"""

from flask import Blueprint, Flask, Request, current_app, request
from werkzeug.exceptions import HTTPException

MACHINES = "machine_blueprints"
SESSIONLESS = "sessionless_blueprints"
SESSIONLESS_UNDER = "sessionless_url_prefixes"  # where they were registered: a quick first test
SESSIONLESS_PATHS = "sessionless_paths"
SESSIONLESS_PATHS_KEPT = 10_000


def serves_machines(bp: Blueprint, *, sessionless: bool = False) -> Blueprint:
    """Declare `bp` a machine blueprint (see the module's docstring)."""

    def note(state) -> None:
        state.app.extensions.setdefault(MACHINES, set()).add(state.name)
        if sessionless:
            state.app.extensions.setdefault(SESSIONLESS, set()).add(state.name)
            under = state.app.extensions.get(SESSIONLESS_UNDER, ())
            state.app.extensions[SESSIONLESS_UNDER] = (*under, (state.url_prefix or "") + "/")

    bp.record_once(note)
    return bp


def wants_json() -> bool:
    """Whether this request's answer, an error included, is JSON."""
    return _blueprint(current_app, request) in current_app.extensions.get(MACHINES, ())


def is_sessionless(app: Flask, req: Request) -> bool:
    """Whether this request goes without the session cookie. Asked before Flask routes the
    request (the session is opened first), so it matches the route itself; only for a path
    under where a session-less blueprint was registered (every other request is spared it)."""
    under = app.extensions.get(SESSIONLESS_UNDER)
    if not under or not req.path.startswith(under):
        return False
    # The answer for a path never changes once the app serves: remembered, for a bounded number
    # of paths (a tablet's two, times the tablets).
    known = app.extensions.setdefault(SESSIONLESS_PATHS, {})
    answer = known.get(req.path)
    if answer is None:
        if len(known) >= SESSIONLESS_PATHS_KEPT:
            known.clear()
        answer = known[req.path] = _blueprint(app, req) in app.extensions[SESSIONLESS]
    return answer


def _blueprint(app: Flask, req: Request) -> str | None:
    rule = req.url_rule
    if rule is None:
        try:
            rule, _args = app.create_url_adapter(req).match(return_rule=True)
        except HTTPException:
            return _nearest_blueprint(app, req.path)
    return _blueprint_of(rule.endpoint)


def _blueprint_of(endpoint: str) -> str | None:
    return endpoint.rpartition(".")[0] or None


def _nearest_blueprint(app: Flask, path: str) -> str | None:
    """The blueprint of the routes sharing the most leading segments with `path`; None (a
    page) when none shares one, or when the nearest include a page's route."""
    wanted = path.strip("/").split("/")
    machines = app.extensions.get(MACHINES, set())
    best, nearest = 0, set()
    for rule in app.url_map.iter_rules():
        shared = _shared_segments(wanted, rule.rule.strip("/").split("/"))
        if shared > best:
            best, nearest = shared, set()
        if shared == best and shared:
            nearest.add(_blueprint_of(rule.endpoint))
    if not nearest or not nearest <= machines:
        return None
    return min(nearest)  # all of them machines': any one answers the question


def _shared_segments(path: list[str], rule: list[str]) -> int:
    shared = 0
    for asked, routed in zip(path, rule, strict=False):
        if asked != routed and "<" not in routed:
            break
        shared += 1
    return shared
