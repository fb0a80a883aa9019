"""Builders shared by the kiosk tests: the API, the page, the browser, hostile input."""

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Case, Counter, Kiosk, QuestionKind, Response
from feedback_app.surveys import instruments, service


def make_kiosk(app, desk: int, publish: bool = True) -> dict:
    """The default instrument published (unless told not to), and a kiosk at the desk's first
    counter: its token and the ids of the kiosk, its counter and its desk."""
    with app.app_context():
        if publish:
            instruments.seed_default()
        counter = db.session.scalar(
            select(Counter).where(Counter.service_point_id == desk).order_by(Counter.id).limit(1)
        )
        kiosk, token = service.create_kiosk(counter)
        db.session.commit()
        return {"id": kiosk.id, "token": token, "counter": counter.id, "desk": desk}


def set_kiosk_active(app, kiosk_id: int, active: bool) -> None:
    """Disable or enable a tablet directly (set-up only)."""
    with app.app_context():
        db.session.get(Kiosk, kiosk_id).active = active
        db.session.commit()


def response_count(app) -> int:
    """How many responses are stored."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def responses(app) -> list[dict]:
    """Every stored response with its answers by question code (a multi_choice question's
    answer is the sorted list of the options chosen)."""
    with app.app_context():
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        return [
            {
                "client_uuid": r.client_uuid,
                "channel": r.channel.value,
                "kiosk_id": r.kiosk_id,
                "language": r.language,
                "dossier_code": r.dossier_code,
                "officer_id": r.officer_id,
                "partial": r.partial,
                "case_id": r.case_id,
                "answers": _answers(r.answers),
            }
            for r in rows
        ]


def _answers(rows) -> dict:
    answers: dict = {}
    for a in rows:
        if a.question.kind == QuestionKind.MULTI_CHOICE:
            answers[a.question.code] = sorted([*answers.get(a.question.code, []), a.option_code])
        elif a.text is not None:
            answers[a.question.code] = a.text
        else:
            answers[a.question.code] = a.value if a.option_code is None else a.option_code
    return answers


def case_codes(app) -> list[str]:
    """The tracking codes of every stored case."""
    with app.app_context():
        return list(db.session.scalars(select(Case.code).order_by(Case.id)))
