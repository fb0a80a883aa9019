"""The hotline's panel on the case page: the calls linked to the case, with their voicemails
and, for operators, the transcript box (see `cases.panels`)."""

from flask import render_template
from markupsafe import Markup

from ..cases import panels
from ..models import Case, User
from ..security import can
from . import queries
from .forms import TranscriptForm


def calls_panel(case: Case, user: User) -> Markup | None:
    """The linked calls the user may see; None when there are none."""
    calls = queries.calls_of_case(case, user)
    if not calls:
        return None
    form = TranscriptForm(formdata=None) if can(user, "hotline") else None
    html = render_template("hotline/_case_panel.html", case=case, calls=calls, transcript_form=form)
    return Markup(html)  # noqa: S704 - a template's output, escaped as it was rendered


def register(state) -> None:
    """Called once when the hotline's blueprint is registered on an app."""
    panels.register(state.app, calls_panel)
