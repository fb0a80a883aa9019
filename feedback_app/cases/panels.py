"""Panels other features add to the case page, so that cases import none of them.

A feature registers a panel when its blueprint is registered (`bp.record_once(...)`); the case
page shows, in registration order, each panel that has something to show for that case and
user. The hotline's calls and voicemails are one (`hotline/case_panel.py`).
"""

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

from ..models import Case, User

PANELS = "case_panels"

Panel = Callable[[Case, User], Markup | None]  # the panel's HTML, or None: nothing to show


def register(app: Flask, panel: Panel) -> None:
    """Add a panel to the app's case page."""
    app.extensions.setdefault(PANELS, []).append(panel)


def render(case: Case, user: User) -> list[Markup]:
    """The panels with something to show on this case for this user."""
    shown = (panel(case, user) for panel in current_app.extensions.get(PANELS, ()))
    return [html for html in shown if html]
