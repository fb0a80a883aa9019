"""What the paper-entry page and the web survey do alike: each is a WTForms page (entry_forms)
around the instrument's questions, and each ends in `service.submit`, idempotent on the page's
one-time `client_uuid`, so a double click or a browser resend stores one response."""

import uuid

from flask import request

from ..extensions import db
from ..forms import show_error
from ..models import Instrument
from . import service

# Service errors that belong under a field of the form rather than under a question.
FIELD_OF_ERROR = {"answered_at": "form_date", "dossier_code": "dossier_code"}


def new_page(form, instrument: Instrument | None) -> None:
    """A fresh one-time identifier for a page that is about to be filled in."""
    form.client_uuid.data = str(uuid.uuid4())
    form.instrument.data = instrument.label if instrument else ""


def typed_answers() -> dict[str, str]:
    """What was typed or ticked for the questions, to show again beside the errors."""
    return {key: value for key, value in request.form.items() if key.startswith("q_")}


def submission(form, instrument: Instrument, language: str, answered_at=None) -> dict:
    """The page in the shape `service.submit` takes (the kiosk API's)."""
    sent = {
        "client_uuid": form.client_uuid.data,
        "instrument": instrument.label,
        "answers": service.answers_from_form(instrument, request.form),
        "dossier_code": form.dossier_code.data or None,
        "language": language,
    }
    if answered_at is not None:
        sent["answered_at"] = answered_at.isoformat()
    return sent


def store(form, sent: dict, where: service.Where) -> tuple[dict | None, bool, dict]:
    """Store the answers and commit: (reply, created, {}). Refused answers are rolled back:
    (None, False, the problems with the questions), the other problems put under the form's
    fields. A refusal names every problem at once, each where it belongs on the page, which is
    more than `changes.commit_or_show` (one message, under one field) can show."""
    try:
        reply, created = service.submit(sent, where)
    except service.SubmissionInvalid as exc:
        db.session.rollback()
        questions = {}
        for key, message in exc.errors.items():
            if key.startswith("answers."):
                questions[key] = message
            else:
                show_error(form, FIELD_OF_ERROR.get(key), message)
        return None, False, questions
    db.session.commit()
    return reply, created, {}
