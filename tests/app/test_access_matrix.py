"""The access matrix (DESIGN.md §6 "Access is scoped"): every route × every role × an object
inside and outside the user's unit scope.

MATRIX below is the whole contract, one route (and request variant) per line. A cell is the status
the role gets: one number when the in-scope and the out-of-scope request get the same, "in/out"
when they differ, "login" for the redirect to /auth/login that a signed-out visitor gets, and "-"
when there is no such object for the role. "302" is any other redirect. The roles are the accounts
of conftest's `district` world plus one:

    admin       admin at the province, the root: its scope covers every unit (no out-of-scope
                object exists for it)
    w_admin     `ward_admin`, an admin scoped to ward A: may view system-wide settings, not change
                them; ward B is outside its scope
    reform      the district's reform office (district 009); out of scope: ward C of district 005
    manager     `manager_a` (ward A); out of scope: ward B
    clerk       the district's intake clerk; out of scope: ward C
    hotline     the district's hotline operator; out of scope: ward C
    counter     `counter_a` (ward A); out of scope: ward B
    anon        nobody signed in

The target column says what varies between the two requests of a row: the object the URL points
at (`case`, `call`, `opening`…), or the object a form field names (`unit`, `desk`, `counter`,
`officer` in the body; then the URL object stays the in-scope one). "in" is always ward A's object
(or unit); "out" is the one of the ward outside the role's scope. `list` is a page listing scoped
objects: it must show ward A's and no out-of-scope ward's. `-` and the global objects (`draft`,
`holiday`, `prompt`…) are requested once. `template_above` is the answer template of the unit just
above the user's scope unit: visible, but not the user's to change.

Besides the status: a staff request that is refused (403, 404, 400, the sign-in redirect) or
points out of scope must change nothing, in the database or the instance folder; an allowed staff
POST must change something (so its body is known to be valid); and no staff page may show an
object of a unit outside the user's scope.

Machine endpoints (kiosk page and API, webhooks, /track, /results, /survey, /healthz, the voice
prompts Twilio plays) are public, token- or signature-authenticated: a staff cookie changes
nothing, so their row is the same for every role. For webhooks the target is the request
variant: `signed` (a valid signature) or `unsigned`.

A route without a row fails `test_every_route_has_a_row_and_every_row_a_route`.
"""

import hashlib
import hmac
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from feedback_app import storage
from feedback_app.cases import service as cases
from feedback_app.extensions import db
from feedback_app.hotline import prompts
from feedback_app.intake import service as intake
from feedback_app.models import (
    AdminUnit,
    AnswerTemplate,
    CallStatus,
    CaseChannel,
    Holiday,
    HolidayKind,
    HotlineCall,
    HotlineLine,
    Officer,
    Provider,
    Role,
    ServicePoint,
    SmsMessage,
    UnitLevel,
    User,
)
from feedback_app.surveys import instruments
from feedback_app.surveys import service as surveys
from feedback_app.timeutil import local_today, now_utc
from tests.cases.test_attachments import tiny_png
from tests.conftest import csrf_token, make_desk, make_unit, make_user, page, sign_in
from tests.hotline import hotline_support as hotline

ROLES = ("admin", "w_admin", "reform", "manager", "clerk", "hotline", "counter", "anon")

# fmt: off
MATRIX = """
# endpoint                    method target          admin   w_admin  reform   manager  clerk    hotline  counter  anon
#
# --- home page and sign-in ---------------------------------------------------------------------------------------------
main.index                    GET    -               200     200      200      200      200      200      200      200
auth.login                    GET    -               302     302      302      302      302      302      302      200
auth.login                    POST   -               302     302      302      302      302      302      302      200
auth.logout                   POST   -               302     302      302      302      302      302      302      login
#
# --- staff accounts (manage_users) -------------------------------------------------------------------------------------
auth.list_users               GET    list            200     200      403      403      403      403      403      login
auth.create_user              GET    -               200     200      403      403      403      403      403      login
auth.create_user              POST   unit            302     302/400  403      403      403      403      403      login
auth.edit_user                GET    user            200     200/404  403      403      403      403      403      login
auth.edit_user                POST   user            302     302/404  403      403      403      403      403      login
auth.edit_user                POST   unit            302     302/400  403      403      403      403      403      login
#
# --- cases (view_cases; every step of the workflow needs handle_cases) -------------------------------------------------
cases.list_cases              GET    list            200     200      200      200      200      200      403      login
cases.create_case             GET    -               200     200      200      200      200      200      403      login
cases.create_case             POST   desk            302     302/400  302/400  302/400  302/400  302/400  403      login
cases.show_case               GET    case            200     200/404  200/404  200/404  200/404  200/404  403      login
cases.classify_case           POST   case_classify   302     302/404  302/404  302/404  403      403      403      login
cases.assign_case             POST   case_assign     302     302/404  302/404  302/404  403      403      403      login
cases.assign_case             POST   unit            302     302/400  302/400  302/400  403      403      403      login
cases.answer_case             POST   case_answer     302     302/404  302/404  302/404  403      403      403      login
cases.publish_case            POST   case_answered   302     302/404  302/404  302/404  403      403      403      login
cases.close_case              POST   case_answered   302     302/404  302/404  302/404  403      403      403      login
cases.reject_case             POST   case_reject     302     302/404  302/404  302/404  403      403      403      login
cases.forward_case            POST   case_forward    302     302/404  302/404  302/404  403      403      403      login
cases.note_case               POST   case            302     302/404  302/404  302/404  302/404  302/404  403      login
cases.upload_attachment       POST   case            302     302/404  302/404  302/404  302/404  302/404  403      login
cases.download_attachment     GET    attachment      200     200/404  200/404  200/404  200/404  200/404  403      login
cases.bulk_action             POST   case_bulk       302     302      302      302      403      403      403      login
cases.answer_templates        GET    list            200     200      200      200      403      403      403      login
cases.answer_templates        POST   -               302     302      302      302      403      403      403      login
cases.toggle_template         POST   template        302     302/404  302/404  302/404  403      403      403      login
cases.toggle_template         POST   template_above  -       403      403      403      403      403      403      login
#
# --- hotline console (hotline) and its admin pages (manage_units; voice prompts: the root admin only) ------------------
hotline.console               GET    list            200     200      403      403      403      200      403      login
hotline.list_calls            GET    list            200     200      403      403      403      200      403      login
hotline.list_messages         GET    list            200     200      403      403      403      200      403      login
hotline.log_call              GET    -               200     200      403      403      403      200      403      login
hotline.log_call              POST   unit            302     302/400  403      403      403      302/400  403      login
hotline.show_call             GET    call            200     200/404  403      403      403      200/404  403      login
hotline.link_call             POST   call            302     302/404  403      403      403      302/404  403      login
hotline.link_call             POST   case            302     302/400  403      403      403      302/400  403      login
hotline.unlink_call           POST   call            302     302/404  403      403      403      302/404  403      login
hotline.callback_done         POST   call            302     302/404  403      403      403      302/404  403      login
hotline.transcribe_call       POST   voicemail       302     302/404  403      403      403      302/404  403      login
hotline.list_lines            GET    list            200     200      403      403      403      403      403      login
hotline.create_line           GET    -               200     200      403      403      403      403      403      login
hotline.create_line           POST   unit            302     302/400  403      403      403      403      403      login
hotline.edit_line             GET    line            200     200/404  403      403      403      403      403      login
hotline.edit_line             POST   line            302     302/404  403      403      403      403      403      login
hotline.list_prompts          GET    -               200     200      403      403      403      403      403      login
hotline.upload_prompt         POST   prompt          302     403      403      403      403      403      403      login
hotline.remove_prompt         POST   prompt          302     403      403      403      403      403      403      login
#
# --- paper intake: reading needs view_units, writing enter_paper -------------------------------------------------------
intake.list_openings          GET    list            200     200      200      200      200      200      403      login
intake.create_opening         GET    -               200     200      403      403      200      403      403      login
intake.create_opening         POST   desk            302     302/400  403      403      302/400  403      403      login
intake.show_opening           GET    opening         200     200/404  200/404  200/404  200/404  200/404  403      login
intake.add_slip               POST   opening         302     302/404  403      403      302/404  403      403      login
intake.close_opening          POST   opening_close   302     302/404  403      403      302/404  403      403      login
intake.list_books             GET    list            200     200      200      200      200      200      403      login
intake.open_book              POST   desk            302     302/400  403      403      302/400  403      403      login
intake.show_book              GET    book            200     200/404  200/404  200/404  200/404  200/404  403      login
intake.add_entry              POST   book            302     302/404  403      403      302/404  403      403      login
intake.close_book             POST   book_close      302     302/404  403      403      302/404  403      403      login
#
# --- the period summary (view_reports): a unit of the user's own tree only; the API answers 401 --------------------------
reports.show_summary          GET    unit_code       200     200/404  200/404  200/404  403      403      403      login
reports_api.summary_json      GET    unit_code       200     200/404  200/404  200/404  403      403      403      401
reports.list_comments         GET    unit_code       200     200/404  200/404  200/404  403      403      403      login
reports.download_summary      GET    unit_code       200     200/404  200/404  200/404  403      403      403      login
reports.summary_chart         GET    unit_code       200     200/404  200/404  200/404  403      403      403      login
#
# --- dossier figures (Biểu 06): reading needs view_reports; entering, importing, templates enter_dossiers -------------
dossiers.list_figures         GET    list            200     200      200      200      403      403      403      login
dossiers.enter_figures        GET    -               200     200      200      200      403      403      403      login
dossiers.enter_figures        POST   desk            302     302/400  302/400  302/400  403      403      403      login
dossiers.import_figures       GET    -               200     200      200      200      403      403      403      login
dossiers.import_figures       POST   desk            302     302/400  302/400  302/400  403      403      403      login
dossiers.template_csv         GET    -               200     200      200      200      403      403      403      login
dossiers.template_xlsx        GET    -               200     200      200      200      403      403      403      login
paper.show_form               GET    -               200     200      403      403      200      403      403      login
paper.enter_form              POST   desk            302     302/400  403      403      302/400  403      403      login
paper.list_qr_codes           GET    list            200     200      200      200      200      200      403      login
#
# --- survey versions (manage_surveys; changes: the root admin only), kiosks, officer on duty (set_duty) ----------------
surveys.list_instruments      GET    -               200     200      403      403      403      403      403      login
surveys.copy_instrument       POST   instrument      302     403      403      403      403      403      403      login
surveys.edit_instrument       GET    draft           200     200      403      403      403      403      403      login
surveys.edit_instrument       POST   draft           302     403      403      403      403      403      403      login
surveys.preview_instrument    GET    draft           200     200      403      403      403      403      403      login
surveys.add_question          GET    draft           200     200      403      403      403      403      403      login
surveys.add_question          POST   draft           302     403      403      403      403      403      403      login
surveys.edit_question         GET    question        200     200      403      403      403      403      403      login
surveys.edit_question         POST   question        302     403      403      403      403      403      403      login
surveys.move_question         POST   question        302     403      403      403      403      403      403      login
surveys.remove_question       POST   question_rm     302     403      403      403      403      403      403      login
surveys.publish_instrument    POST   draft_publish   302     403      403      403      403      403      403      login
surveys.list_kiosks           GET    list            200     200      403      403      403      403      403      login
surveys.register_kiosk        POST   counter         200     200/400  403      403      403      403      403      login
surveys.disable_kiosk         POST   kiosk_admin     302     302/404  403      403      403      403      403      login
surveys.enable_kiosk          POST   kiosk_admin     302     302/404  403      403      403      403      403      login
surveys.rotate_kiosk          POST   kiosk_admin     200     200/404  403      403      403      403      403      login
surveys.set_kiosk_mode        POST   kiosk_admin     302     302/404  403      403      403      403      403      login
surveys.duty                  GET    list            200     200      403      403      403      403      200      login
surveys.set_duty              POST   counter         302     302/404  403      403      403      403      302/404  login
surveys.set_duty              POST   officer         302     302/400  403      403      403      403      302/400  login
surveys.invite                POST   counter         302     302/404  403      403      403      403      302/404  login
#
# --- units, desks, counters, officers (view_units / manage_units); holidays and deadlines: changes by the root admin only
units.list_units              GET    list            200     200      200      200      200      200      403      login
units.list_service_points     GET    list            200     200      200      200      200      200      403      login
units.create_service_point    GET    -               200     200      403      403      403      403      403      login
units.create_service_point    POST   unit            302     302/400  403      403      403      403      403      login
units.show_service_point      GET    desk            200     200/404  200/404  200/404  200/404  200/404  403      login
units.add_counter             POST   desk            302     302/404  403      403      403      403      403      login
units.add_officer             POST   desk            302     302/404  403      403      403      403      403      login
units.toggle_officer          POST   officer_toggle  302     302/404  403      403      403      403      403      login
units.list_holidays           GET    -               200     200      403      403      403      403      403      login
units.add_holiday             POST   -               302     403      403      403      403      403      403      login
units.load_holidays           POST   -               302     403      403      403      403      403      403      login
units.delete_holiday          POST   holiday         302     403      403      403      403      403      403      login
units.edit_deadlines          GET    -               200     200      403      403      403      403      403      login
units.edit_deadlines          POST   -               302     403      403      403      403      403      403      login
#
# --- machine endpoints: public, token- or signature-authenticated; a staff cookie changes nothing ----------------------
main.healthz                  GET    -               200     200      200      200      200      200      200      200
apidocs.openapi_document_json GET    -               200     200      200      200      200      200      200      200
track.track                   GET    -               200     200      200      200      200      200      200      200
track.track_case              GET    case            200     200      200      200      200      200      200      200
track.record_verdict          POST   case            400     400      400      400      400      400      400      400
results.list_units            GET    -               200     200      200      200      200      200      200      200
results.show_results          GET    unit_code       200     200      200      200      200      200      200      200
results.show_trend            GET    unit_code       200     200      200      200      200      200      200      200
kiosk.service_worker          GET    -               200     200      200      200      200      200      200      200
kiosk.survey                  GET    kiosk           200     200      200      200      200      200      200      200
kiosk.submit                  POST   kiosk           200     200      200      200      200      200      200      200
kiosk_api.instrument          GET    kiosk           200     200      200      200      200      200      200      200
kiosk_api.submit              POST   kiosk           201     201      201      201      201      201      201      201
kiosk_api.invitation          GET    kiosk           200     200      200      200      200      200      200      200
kiosk_api.abandoned           POST   kiosk           201     201      201      201      201      201      201      201
web_survey.show_survey        GET    desk            200     200      200      200      200      200      200      200
web_survey.submit_survey      POST   desk            200     200      200      200      200      200      200      200
web_survey.qr_code            GET    desk            200     200      200      200      200      200      200      200
hotline_webhooks.prompt       GET    prompt          200     200      200      200      200      200      200      200
hotline_webhooks.twilio_sms   POST   signed          200     200      200      200      200      200      200      200
hotline_webhooks.twilio_sms   POST   unsigned        403     403      403      403      403      403      403      403
hotline_webhooks.gateway_sms  POST   signed          201     201      201      201      201      201      201      201
hotline_webhooks.gateway_sms  POST   unsigned        403     403      403      403      403      403      403      403
hotline_webhooks.voice_start  POST   signed          200     200      200      200      200      200      200      200
hotline_webhooks.voice_start  POST   unsigned        403     403      403      403      403      403      403      403
hotline_webhooks.voice_menu   POST   signed          200     200      200      200      200      200      200      200
hotline_webhooks.voice_menu   POST   unsigned        403     403      403      403      403      403      403      403
hotline_webhooks.recording    POST   signed          204     204      204      204      204      204      204      204
hotline_webhooks.recording    POST   unsigned        403     403      403      403      403      403      403      403
hotline_webhooks.status       POST   signed          204     204      204      204      204      204      204      204
hotline_webhooks.status       POST   unsigned        403     403      403      403      403      403      403      403
"""  # noqa: E501 - one route per line, so that the table reads at a glance
# fmt: on

# Endpoints that answer the same to everybody: no staff session is involved.
MACHINE = frozenset(
    """main.healthz apidocs.openapi_document_json track.track track.track_case track.record_verdict
    results.list_units results.show_results results.show_trend
    kiosk.service_worker kiosk.survey kiosk.submit kiosk_api.instrument kiosk_api.submit
    kiosk_api.invitation kiosk_api.abandoned
    web_survey.show_survey web_survey.submit_survey web_survey.qr_code hotline_webhooks.prompt
    hotline_webhooks.twilio_sms hotline_webhooks.gateway_sms hotline_webhooks.voice_start
    hotline_webhooks.voice_menu hotline_webhooks.recording hotline_webhooks.status""".split()
)
# Objects that exist once per ward (a, b, c): the in/out pair of a row.
WARD_OBJECTS = frozenset(
    """unit unit_code desk counter officer officer_toggle user attachment template call voicemail
    line kiosk kiosk_admin opening opening_close book book_close case case_classify case_assign
    case_answer case_answered case_reject case_forward case_bulk""".split()
)
# Requested once: nothing, a list page, a system-wide object, or a request variant.
ONCE = frozenset(
    """- list template_above instrument draft draft_publish question question_rm holiday prompt
    signed unsigned""".split()
)
CASE_OBJECTS = tuple(sorted(kind for kind in WARD_OBJECTS if kind.startswith("case")))

# role → (account, the ward outside its scope that its "out" requests use, the unit above it)
ACCOUNTS = {
    "admin": ("admin", None, None),
    "w_admin": ("ward_admin", "b", "district"),
    "reform": ("reform", "c", "province"),
    "manager": ("manager_a", "b", "district"),
    "clerk": ("clerk", "c", "province"),
    "hotline": ("hotline", "c", "province"),
    "counter": ("counter_a", "b", "district"),
    "anon": (None, "b", "district"),
}
# The wards none of whose objects a role's staff pages may show.
HIDDEN_WARDS = {
    "admin": (),
    "w_admin": ("b", "c"),
    "reform": ("c",),
    "manager": ("b", "c"),
    "clerk": ("c",),
    "hotline": ("c",),
    "counter": ("b", "c"),
    "anon": (),
}
WARD_NAMES = {"a": "Phường Nhân Chính", "b": "Phường Thượng Đình", "c": "Phường Dịch Vọng"}
REFUSED = frozenset({"login", "400", "401", "403", "404"})
# Staff POSTs that store nothing even when allowed: every other allowed POST must change a row.
SIGN_IN_AND_OUT = frozenset({"auth.login", "auth.logout"})
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 256
# Every required question of the default survey answered, as the plain forms post them.
ANSWERS = {
    "q_f1_access": "5",
    "q_f2_procedure": "4",
    "q_f3_officer": "5",
    "q_f4_result": "no_opinion",
    "q_tt01_returns": "none",
    "q_overall": "4",
}
API_ANSWERS = {"f1_access": 4, "f2_procedure": 5, "f3_officer": 4, "f4_result": 5, "overall": 4}
A_PAST_MOMENT = "2025-03-14T09:30"  # Vietnam time, for forms that refuse the future
# One desk's month of dossier figures whose parts add up (Biểu 06).
DOSSIERS = {
    "received_total": 10,
    "received_online": 4,
    "received_direct": 5,
    "received_carried_over": 1,
    "resolved_total": 8,
    "resolved_early": 2,
    "resolved_on_time": 5,
    "resolved_late": 1,
    "pending_total": 2,
    "pending_in_time": 1,
    "pending_overdue": 1,
}


def _dossier_csv(desk: int) -> bytes:
    """A CSV file of one desk's month of figures, in the template's columns."""
    header = "service_point_id,month," + ",".join(DOSSIERS)
    return f"{header}\n{desk},2025-03,{','.join(map(str, DOSSIERS.values()))}\n".encode()


@dataclass(frozen=True)
class Row:
    """One line of MATRIX."""

    endpoint: str
    method: str
    target: str
    cells: dict[str, str]

    def expected(self, role: str, side: str) -> str | None:
        """The status expected for the role's in- or out-of-scope request; None: not made."""
        cell = self.cells[role]
        if cell == "-":
            return None
        inside, _slash, outside = cell.partition("/")
        return outside if side == "out" and outside else inside

    def sides(self, role: str) -> tuple[str, ...]:
        """In only, or in and out: only ward objects come in pairs, and not for the root admin."""
        has_out = self.target in WARD_OBJECTS and ACCOUNTS[role][1] is not None
        return ("in", "out") if has_out else ("in",)

    def __str__(self) -> str:
        """How a problem names the row."""
        return f"{self.method} {self.endpoint} [{self.target}]"


def parse(table: str) -> list[Row]:
    """The rows of the matrix (comment lines start with #)."""
    rows = []
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        endpoint, method, target, *cells = line.split()
        assert len(cells) == len(ROLES), f"{line!r}: {len(cells)} cells for {len(ROLES)} roles"
        rows.append(Row(endpoint, method, target, dict(zip(ROLES, cells, strict=True))))
    return rows


ROWS = parse(MATRIX)


# --- the world: conftest's district plus a second district and the objects every route needs ---


def _user(username: str) -> User:
    """The account with this username."""
    return db.session.scalar(select(User).where(User.username == username))


def _new_case(desk: ServicePoint, mark: str, name: str):
    """A walk-in case at the desk, its text carrying the ward's marker."""
    new = cases.NewCase(
        channel=CaseChannel.WALK_IN,
        content=f"{mark}: cán bộ hướng dẫn chưa rõ ({name}).",
        subject=f"Góp ý {mark}",
        service_point=desk,
    )
    return cases.create_case(new)[0]


def _ward_objects(tag: str, unit: AdminUnit, desk: ServicePoint, admin: User) -> dict:
    """Everything a route may point at, in one ward; names carry the ward's marker."""
    mark = f"ward{tag}mark"
    counter = desk.counters[0]
    counter.name = f"Quầy {mark}"
    officer = desk.officers[0]
    officer.name = f"Công chức {mark}"
    counter.officer_on_duty = officer
    leaving = Officer(service_point=desk, name=f"Công chức nghỉ {mark}")
    db.session.add(leaving)
    staff = make_user(f"staff_{tag}", Role.COUNTER_STAFF, unit)
    staff.full_name = f"Cán bộ {mark}"
    found = {name: _new_case(desk, mark, name) for name in CASE_OBJECTS}
    cases.classify(found["case_answer"], kind=found["case_answer"].kind, subject="", actor=admin)
    answered = found["case_answered"]
    cases.classify(answered, kind=answered.kind, subject="", actor=admin)
    cases.answer(answered, text="Đã chấn chỉnh cán bộ.", actor=admin)
    scan = storage.store(io.BytesIO(tiny_png()), original_name="phieu.png", case=found["case"])
    template = AnswerTemplate(title=f"Mẫu {mark}", body="Cảm ơn ông/bà.", unit_id=unit.id)
    voicemail_case = cases.create_case(
        cases.NewCase(channel=CaseChannel.HOTLINE_CALL, content=f"Thư thoại {mark}", unit=unit)
    )[0]
    call = _call(unit, topic=f"Cuộc gọi {mark}", callback_due=now_utc())
    voicemail = _call(
        unit, topic=f"Thư thoại {mark}", recording_sid=f"RE{uuid.uuid4().hex}", case=voicemail_case
    )
    sms = SmsMessage(
        provider=Provider.GATEWAY,
        provider_id=uuid.uuid4().hex,
        unit=unit,
        from_number="0912345678",
        to_number=hotline.LINE_NUMBER,
        body=f"Tin nhắn {mark}",
        received_at=now_utc(),
    )
    line = HotlineLine(number=f"+8424730{unit.code}", label=f"Đường dây {mark}", unit_id=unit.id)
    _kiosk, token = surveys.create_kiosk(counter, label=f"Máy {mark}")
    kiosk_admin, _token = surveys.create_kiosk(counter, label=f"Máy dự phòng {mark}")
    openings = [
        intake.open_box(
            desk,
            box_label=f"Hòm thư {mark}",
            opened_at_local=datetime(2025, 3, 14, 9, 30),
            witnesses="Nguyễn Văn A\nTrần Thị B",
            slips_counted=counted,
            intake_key=uuid.uuid4().hex,
            actor=admin,
        )[0]
        for counted in (1, 0)
    ]
    this_year = local_today().year
    books = [intake.open_book(desk, year=year, actor=admin) for year in (this_year, this_year - 1)]
    db.session.add_all([template, sms, line])
    db.session.flush()
    return {
        "mark": mark,
        "unit": unit.id,
        "unit_code": unit.code,
        "desk": desk.id,
        "counter": counter.id,
        "officer": officer.id,
        "officer_toggle": leaving.id,
        "user": staff.id,
        **{name: case.code for name, case in found.items()},
        "attachment": scan.id,
        "template": template.id,
        "call": call.id,
        "voicemail": voicemail.id,
        "line": {"id": line.id, "number": line.number, "unit": unit.id},
        "kiosk": token,
        "kiosk_admin": kiosk_admin.id,
        "opening": openings[0].id,
        "opening_close": openings[1].id,
        "book": books[0].id,
        "book_close": books[1].id,
    }


def _call(unit: AdminUnit, **fields) -> HotlineCall:
    """A call as the webhooks would have stored it."""
    call = HotlineCall(
        provider=Provider.TWILIO,
        provider_id=f"CA{uuid.uuid4().hex}",
        unit=unit,
        from_number="0912345678",
        to_number=hotline.LINE_NUMBER,
        started_at=now_utc(),
        status=CallStatus.COMPLETED,
        **fields,
    )
    db.session.add(call)
    db.session.flush()
    return call


def _shared_objects(admin: User, province: AdminUnit, district: AdminUnit) -> dict:
    """System-wide objects (survey versions, a holiday) and the templates of the upper units."""
    default, _created = instruments.seed_default()
    draft = instruments.copy_to_draft(default, admin)
    to_publish = instruments.copy_to_draft(default, admin)
    by_code = {q.code: q for q in draft.questions}
    edited, removed = by_code["f5_feedback"], by_code["tt01_offices"]
    holiday = Holiday(day=date(2029, 5, 2), name="Nghỉ bù thử", kind=HolidayKind.HOLIDAY)
    above = {
        unit_key: AnswerTemplate(title=f"Mẫu của {unit.name}", body="Đã tiếp thu.", unit_id=unit.id)
        for unit_key, unit in (("province", province), ("district", district))
    }
    db.session.add_all([holiday, *above.values()])
    db.session.flush()
    return {
        "instrument": default.id,
        "draft": draft.id,
        "draft_publish": to_publish.id,
        "question": {
            "instrument": draft.id,
            "id": edited.id,
            "code": edited.code,
            "factor": edited.factor,
            "required": edited.required,
            "allows_no_opinion": edited.allows_no_opinion,
        },
        "question_rm": {"instrument": draft.id, "id": removed.id},
        "holiday": holiday.id,
        "above": {unit_key: template.id for unit_key, template in above.items()},
    }


def build_world(app, district: dict) -> dict:
    """Ward A and B of the district, ward C of a second district, each with every object; the
    system-wide objects; `ward_admin`; two recorded voice prompts; hotline signatures set up."""
    hotline.configure(app)
    with app.test_request_context():  # the services translate their messages
        province = db.session.get(AdminUnit, district["province"])
        district_009 = db.session.get(AdminUnit, district["district"])
        district_005 = make_unit("005", "Quận Cầu Giấy", UnitLevel.DISTRICT, province)
        ward_c = make_unit("00163", WARD_NAMES["c"], parent=district_005)
        desk_c = make_desk(ward_c)
        make_user("ward_admin", Role.ADMIN, db.session.get(AdminUnit, district["ward_a"]))
        admin = _user("admin")
        world = {"global": _shared_objects(admin, province, district_009)}
        for tag, unit_id, desk_id in (
            ("a", district["ward_a"], district["desk_a"]),
            ("b", district["ward_b"], district["desk_b"]),
            ("c", ward_c.id, desk_c.id),
        ):
            unit, desk = db.session.get(AdminUnit, unit_id), db.session.get(ServicePoint, desk_id)
            world[tag] = _ward_objects(tag, unit, desk, admin)
        db.session.commit()
        for key in ("invalid", "goodbye"):
            prompts.save(key, MP3)
    return world


# --- requests ---------------------------------------------------------------------------------


@dataclass
class Req:
    """A request to send: a form gets the session's CSRF token added."""

    path: str
    data: dict | bytes | None = None
    json: dict | None = None
    headers: dict = field(default_factory=dict)
    csrf: bool = False
    content_type: str | None = None


def form(path: str, **data) -> Req:
    """A form posted from a page of the app (CSRF token added when sent)."""
    return Req(path, data=data, csrf=True)


@dataclass
class Ctx:
    """What a request builder may ask for: objects by kind, for the side being tested."""

    app: object
    world: dict
    row: Row
    role: str
    side: str

    def pick(self, kind: str):
        """The object of this kind: the out-of-scope ward's if it is what the row varies and
        this is the out request, else ward A's (or the system-wide one)."""
        if kind == "template_above":
            return self.world["global"]["above"][ACCOUNTS[self.role][2]]
        if kind in self.world["global"]:
            return self.world["global"][kind]
        ward = ACCOUNTS[self.role][1] if self.side == "out" and kind == self.row.target else "a"
        return self.world[ward][kind]

    def label(self) -> str:
        """The survey version in use now (an admin's row may have published a new one)."""
        with self.app.app_context():
            return instruments.active_instrument().label


def _uuid() -> str:
    """A one-time form token or client UUID."""
    return str(uuid.uuid4())


def _twilio(ctx: Ctx, path: str, params: dict) -> Req:
    """A Twilio webhook, signed as Twilio signs it (or not at all)."""
    signed = ctx.row.target == "signed"
    headers = {"X-Twilio-Signature": hotline.sign(params, hotline.PUBLIC + path)} if signed else {}
    return Req(path, data=params, headers=headers)


def _gateway(ctx: Ctx) -> Req:
    """An SMS from the local gateway, signed with the shared secret (or not at all)."""
    payload = {
        "id": _uuid(),
        "from": hotline.CALLER,
        "to": hotline.LINE_NUMBER,
        "text": "Thủ tục chậm",
        "received_at": now_utc().isoformat(),
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    digest = hmac.new(hotline.GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Signature": f"sha256={digest}"} if ctx.row.target == "signed" else {}
    return Req("/hotline/gateway/sms", data=body, headers=headers, content_type="application/json")


def _case_step(step: str, **data) -> Callable[[Ctx], Req]:
    """A workflow step posted on the case the row points at."""
    return lambda c: form(f"/cases/{c.pick(c.row.target)}/{step}", **data)


def _question_path(question: dict, tail: str = "") -> str:
    """The address of a question of a draft."""
    return f"/surveys/instruments/{question['instrument']}/questions/{question['id']}{tail}"


def _edit_question(c: Ctx) -> Req:
    """The question form sent back with a new text, the rest unchanged."""
    q = c.pick("question")
    flags = {"required": "y"} if q["required"] else {}
    flags |= {"allows_no_opinion": "y"} if q["allows_no_opinion"] else {}
    return form(
        _question_path(q),
        code=q["code"],
        kind="likert5",
        text_vi="Cán bộ tiếp nhận góp ý của ông/bà thế nào?",
        text_en="",
        factor=q["factor"],
        tt01_index="",
        max_length="",
        options="",
        **flags,
    )


def _edit_line(c: Ctx) -> Req:
    """The line form sent back with a new name, the rest unchanged."""
    line = c.pick("line")
    return form(
        f"/hotline/lines/{line['id']}",
        number=line["number"],
        label="Đường dây nóng (đổi tên)",
        unit_id=line["unit"],
        operator_number="",
        active="y",
    )


def _link_call(c: Ctx) -> Req:
    """Link the call to a case by its code; the [call] row links another case of ward A than
    the [case] row, so that each changes something."""
    code = c.pick("case") if c.row.target == "case" else c.pick("case_classify")
    return form(f"/hotline/calls/{c.pick('call')}/link", case_code=code)


def _set_duty(c: Ctx) -> Req:
    """Who is on duty at a counter: the [counter] row sends nobody home (the world starts with
    the desk's officer on duty), the [officer] row names an officer."""
    officer = c.pick("officer") if c.row.target == "officer" else ""
    return form(f"/surveys/duty/{c.pick('counter')}", officer_id=officer)


REQUESTS: dict[tuple[str, str], Callable[[Ctx], Req]] = {
    ("main.index", "GET"): lambda c: Req("/"),
    ("auth.login", "GET"): lambda c: Req("/auth/login"),
    ("auth.login", "POST"): lambda c: form("/auth/login", username="nobody", password="wrong"),
    ("auth.logout", "POST"): lambda c: form("/auth/logout"),
    ("auth.list_users", "GET"): lambda c: Req("/auth/users"),
    ("auth.create_user", "GET"): lambda c: Req("/auth/users/new"),
    ("auth.create_user", "POST"): lambda c: form(
        "/auth/users/new",
        username=f"new_{uuid.uuid4().hex[:8]}",
        full_name="Người mới",
        role="counter_staff",
        unit_id=c.pick("unit"),
        password="another-long-password",
        active="y",
    ),
    ("auth.edit_user", "GET"): lambda c: Req(f"/auth/users/{c.pick('user')}"),
    ("auth.edit_user", "POST"): lambda c: form(
        f"/auth/users/{c.pick('user')}",
        full_name=f"Cán bộ đã đổi tên ({c.row.target})",
        role="counter_staff",
        unit_id=c.pick("unit"),
        password="",
        active="y",
    ),
    ("cases.list_cases", "GET"): lambda c: Req("/cases/"),
    ("cases.create_case", "GET"): lambda c: Req("/cases/new"),
    ("cases.create_case", "POST"): lambda c: form(
        "/cases/new",
        form_token=_uuid(),
        service_point_id=c.pick("desk"),
        kind="feedback",
        subject="",
        content="Công dân phản ánh phải chờ lâu.",
        received_at="",
    ),
    ("cases.show_case", "GET"): lambda c: Req(f"/cases/{c.pick('case')}"),
    ("cases.classify_case", "POST"): _case_step("classify", kind="suggestion", subject="", note=""),
    ("cases.assign_case", "POST"): lambda c: form(
        f"/cases/{c.pick('case_assign')}/assign", unit_id=c.pick("unit"), note=""
    ),
    ("cases.answer_case", "POST"): _case_step("answer", answer="Đã chấn chỉnh cán bộ."),
    ("cases.publish_case", "POST"): _case_step("publish"),
    ("cases.close_case", "POST"): _case_step("close", note=""),
    ("cases.reject_case", "POST"): _case_step("reject", reason="Không thuộc thẩm quyền."),
    ("cases.forward_case", "POST"): _case_step("forward", agency="Công an phường", note=""),
    ("cases.note_case", "POST"): _case_step("note", note="Đã gọi lại cho công dân."),
    ("cases.upload_attachment", "POST"): lambda c: form(
        f"/cases/{c.pick('case')}/attachments", attachment=(io.BytesIO(tiny_png()), "scan.png")
    ),
    ("cases.download_attachment", "GET"): lambda c: Req(
        f"/cases/attachments/{c.pick('attachment')}"
    ),
    ("cases.bulk_action", "POST"): lambda c: form(
        "/cases/bulk",
        codes=c.pick("case_bulk"),
        action="assign",
        unit_id=c.pick("unit"),
        answer="",
        template="",
    ),
    ("cases.answer_templates", "GET"): lambda c: Req("/cases/templates"),
    ("cases.answer_templates", "POST"): lambda c: form(
        "/cases/templates", title="Mẫu mới", body="Cảm ơn ông/bà đã góp ý."
    ),
    ("cases.toggle_template", "POST"): lambda c: form(
        f"/cases/templates/{c.pick(c.row.target)}/toggle"
    ),
    ("track.track", "GET"): lambda c: Req("/track"),
    ("track.track_case", "GET"): lambda c: Req(f"/track/{c.pick('case')}"),
    # An unanswered case: no published answer to rate, for every role (the verdict tests
    # cover the accepted verdict; `case_answered` is published by an earlier row for some).
    ("track.record_verdict", "POST"): lambda c: form(
        f"/track/{c.pick('case')}/verdict", verdict="hai_long"
    ),
    ("hotline.console", "GET"): lambda c: Req("/hotline/"),
    ("hotline.list_calls", "GET"): lambda c: Req("/hotline/calls"),
    ("hotline.list_messages", "GET"): lambda c: Req("/hotline/messages"),
    ("hotline.log_call", "GET"): lambda c: Req("/hotline/calls/new"),
    ("hotline.log_call", "POST"): lambda c: form(
        "/hotline/calls/new",
        form_token=_uuid(),
        number="0912345678",
        started_at=A_PAST_MOMENT,
        duration="5:30",
        topic="Hỏi thủ tục cấp bản sao",
        summary="",
        outcome="informed",
        case_code="",
        unit_id=c.pick("unit"),
    ),
    ("hotline.show_call", "GET"): lambda c: Req(f"/hotline/calls/{c.pick('call')}"),
    ("hotline.link_call", "POST"): _link_call,
    ("hotline.unlink_call", "POST"): lambda c: form(f"/hotline/calls/{c.pick('call')}/unlink"),
    ("hotline.callback_done", "POST"): lambda c: form(
        f"/hotline/calls/{c.pick('call')}/callback-done"
    ),
    ("hotline.transcribe_call", "POST"): lambda c: form(
        f"/hotline/calls/{c.pick('voicemail')}/transcript",
        transcript="Công dân hỏi giờ làm việc.",
        back="",
    ),
    ("hotline.list_lines", "GET"): lambda c: Req("/hotline/lines"),
    ("hotline.create_line", "GET"): lambda c: Req("/hotline/lines/new"),
    ("hotline.create_line", "POST"): lambda c: form(
        "/hotline/lines/new",
        number=f"+84247{uuid.uuid4().int % 10**6:06d}",
        label="Đường dây mới",
        unit_id=c.pick("unit"),
        operator_number="",
        active="y",
    ),
    ("hotline.edit_line", "GET"): lambda c: Req(f"/hotline/lines/{c.pick('line')['id']}"),
    ("hotline.edit_line", "POST"): _edit_line,
    ("hotline.list_prompts", "GET"): lambda c: Req("/hotline/voice-prompts"),
    ("hotline.upload_prompt", "POST"): lambda c: form(
        "/hotline/voice-prompts/menu", audio=(io.BytesIO(MP3), "menu.mp3")
    ),
    ("hotline.remove_prompt", "POST"): lambda c: form("/hotline/voice-prompts/invalid/remove"),
    ("hotline_webhooks.prompt", "GET"): lambda c: Req("/hotline/prompts/goodbye"),
    ("hotline_webhooks.twilio_sms", "POST"): lambda c: _twilio(
        c, "/hotline/twilio/sms", hotline.sms_params(sid=f"SM{uuid.uuid4().hex}")
    ),
    ("hotline_webhooks.gateway_sms", "POST"): _gateway,
    ("hotline_webhooks.voice_start", "POST"): lambda c: _twilio(
        c, "/hotline/twilio/voice", hotline.voice_params(call_sid=f"CA{uuid.uuid4().hex}")
    ),
    ("hotline_webhooks.voice_menu", "POST"): lambda c: _twilio(
        c,
        "/hotline/twilio/voice/menu",
        hotline.voice_params(call_sid=f"CA{uuid.uuid4().hex}", Digits="2"),
    ),
    ("hotline_webhooks.recording", "POST"): lambda c: _twilio(
        c,
        "/hotline/twilio/recording",
        {
            "AccountSid": hotline.ACCOUNT,
            "CallSid": f"CA{uuid.uuid4().hex}",
            "From": hotline.CALLER,
            "To": hotline.LINE_NUMBER,
            "RecordingSid": f"RE{uuid.uuid4().hex}",
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            "RecordingStatus": "completed",
            "RecordingDuration": "15",
        },
    ),
    ("hotline_webhooks.status", "POST"): lambda c: _twilio(
        c,
        "/hotline/twilio/status",
        {
            "AccountSid": hotline.ACCOUNT,
            "CallSid": f"CA{uuid.uuid4().hex}",
            "From": hotline.CALLER,
            "To": hotline.LINE_NUMBER,
            "CallStatus": "completed",
            "CallDuration": "30",
            "SequenceNumber": "3",
        },
    ),
    ("intake.list_openings", "GET"): lambda c: Req("/intake/box"),
    ("intake.create_opening", "GET"): lambda c: Req("/intake/box/new"),
    ("intake.create_opening", "POST"): lambda c: form(
        "/intake/box/new",
        form_token=_uuid(),
        service_point_id=c.pick("desk"),
        box_label="Hòm thư tầng 1",
        opened_at=A_PAST_MOMENT,
        witnesses="Nguyễn Văn A\nTrần Thị B",
        slips_counted=2,
    ),
    ("intake.show_opening", "GET"): lambda c: Req(f"/intake/box/{c.pick('opening')}"),
    ("intake.add_slip", "POST"): lambda c: form(
        f"/intake/box/{c.pick('opening')}/slips",
        form_token=_uuid(),
        content="Phiếu góp ý: cần thêm ghế chờ.",
        kind="suggestion",
    ),
    ("intake.close_opening", "POST"): lambda c: form(
        f"/intake/box/{c.pick('opening_close')}/close", reason=""
    ),
    ("intake.list_books", "GET"): lambda c: Req("/intake/books"),
    ("intake.open_book", "POST"): lambda c: form(
        "/intake/books", service_point_id=c.pick("desk"), year=local_today().year - 2
    ),
    ("intake.show_book", "GET"): lambda c: Req(f"/intake/books/{c.pick('book')}"),
    ("intake.add_entry", "POST"): lambda c: form(
        f"/intake/books/{c.pick('book')}/entries",
        form_token=_uuid(),
        content="Cán bộ nhiệt tình.",
        kind="praise",
        entry_number=1,
        page=1,
        written_on=local_today().isoformat(),
    ),
    ("intake.close_book", "POST"): lambda c: form(f"/intake/books/{c.pick('book_close')}/close"),
    ("reports.show_summary", "GET"): lambda c: Req(
        f"/reports/summary?period=2025-Q1&unit={c.pick('unit_code')}"
    ),
    ("reports.list_comments", "GET"): lambda c: Req(
        f"/reports/comments?period=2025-Q1&unit={c.pick('unit_code')}"
    ),
    ("reports.download_summary", "GET"): lambda c: Req(
        f"/reports/summary.csv?period=2025-Q1&unit={c.pick('unit_code')}"
    ),
    ("reports.summary_chart", "GET"): lambda c: Req(
        f"/reports/summary/charts/wards.png?period=2025-Q1&unit={c.pick('unit_code')}"
    ),
    ("reports_api.summary_json", "GET"): lambda c: Req(
        f"/api/v1/reports/summary?period=2025-Q1&unit={c.pick('unit_code')}"
    ),
    ("dossiers.list_figures", "GET"): lambda c: Req("/dossiers/"),
    ("dossiers.enter_figures", "GET"): lambda c: Req("/dossiers/new"),
    ("dossiers.enter_figures", "POST"): lambda c: form(
        "/dossiers/new", service_point_id=c.pick("desk"), month="2025-03", field="", **DOSSIERS
    ),
    ("dossiers.import_figures", "GET"): lambda c: Req("/dossiers/import"),
    ("dossiers.import_figures", "POST"): lambda c: form(
        "/dossiers/import", upload=(io.BytesIO(_dossier_csv(c.pick("desk"))), "bieu06.csv")
    ),
    ("dossiers.template_csv", "GET"): lambda c: Req("/dossiers/template.csv"),
    ("dossiers.template_xlsx", "GET"): lambda c: Req("/dossiers/template.xlsx"),
    ("paper.show_form", "GET"): lambda c: Req("/surveys/paper"),
    ("paper.enter_form", "POST"): lambda c: form(
        "/surveys/paper",
        client_uuid=_uuid(),
        instrument=c.label(),
        service_point_id=c.pick("desk"),
        counter_id=0,
        form_date=local_today().isoformat(),
        dossier_code="",
        **ANSWERS,
    ),
    ("paper.list_qr_codes", "GET"): lambda c: Req("/surveys/paper/qr"),
    ("kiosk.service_worker", "GET"): lambda c: Req("/kiosk/sw.js"),
    ("kiosk.survey", "GET"): lambda c: Req(f"/kiosk/{c.pick('kiosk')}"),
    ("kiosk.submit", "POST"): lambda c: form(
        f"/kiosk/{c.pick('kiosk')}", client_uuid=_uuid(), instrument=c.label(), **ANSWERS
    ),
    ("kiosk_api.instrument", "GET"): lambda c: Req(f"/api/v1/kiosk/{c.pick('kiosk')}"),
    ("kiosk_api.submit", "POST"): lambda c: Req(
        f"/api/v1/kiosk/{c.pick('kiosk')}/responses",
        json={"client_uuid": _uuid(), "instrument": c.label(), "answers": API_ANSWERS},
    ),
    ("kiosk_api.invitation", "GET"): lambda c: Req(f"/api/v1/kiosk/{c.pick('kiosk')}/invitation"),
    ("kiosk_api.abandoned", "POST"): lambda c: Req(
        f"/api/v1/kiosk/{c.pick('kiosk')}/abandoned", json={"client_uuid": _uuid()}
    ),
    ("web_survey.show_survey", "GET"): lambda c: Req(f"/survey/{c.pick('desk')}"),
    ("web_survey.submit_survey", "POST"): lambda c: form(
        f"/survey/{c.pick('desk')}",
        client_uuid=_uuid(),
        instrument=c.label(),
        dossier_code="",
        **ANSWERS,
    ),
    ("web_survey.qr_code", "GET"): lambda c: Req(f"/survey/{c.pick('desk')}/qr.svg"),
    ("surveys.list_instruments", "GET"): lambda c: Req("/surveys/instruments"),
    ("surveys.copy_instrument", "POST"): lambda c: form(
        f"/surveys/instruments/{c.pick('instrument')}/copy"
    ),
    ("surveys.edit_instrument", "GET"): lambda c: Req(f"/surveys/instruments/{c.pick('draft')}"),
    ("surveys.edit_instrument", "POST"): lambda c: form(
        f"/surveys/instruments/{c.pick('draft')}",
        title_vi="Phiếu đánh giá (bản sửa)",
        title_en="Survey (edited)",
    ),
    ("surveys.preview_instrument", "GET"): lambda c: Req(
        f"/surveys/instruments/{c.pick('draft')}/preview"
    ),
    ("surveys.add_question", "GET"): lambda c: Req(
        f"/surveys/instruments/{c.pick('draft')}/questions/new"
    ),
    ("surveys.add_question", "POST"): lambda c: form(
        f"/surveys/instruments/{c.pick('draft')}/questions/new",
        code="q_matrix",
        kind="likert5",
        text_vi="Ông/bà có được hướng dẫn đầy đủ không?",
        text_en="",
        factor="",
        tt01_index="",
        max_length="",
        options="",
    ),
    ("surveys.edit_question", "GET"): lambda c: Req(_question_path(c.pick("question"))),
    ("surveys.edit_question", "POST"): _edit_question,
    ("surveys.move_question", "POST"): lambda c: form(
        _question_path(c.pick("question"), "/move"), position=1
    ),
    ("surveys.remove_question", "POST"): lambda c: form(
        _question_path(c.pick("question_rm"), "/delete")
    ),
    ("surveys.publish_instrument", "POST"): lambda c: form(
        f"/surveys/instruments/{c.pick('draft_publish')}/publish"
    ),
    ("surveys.list_kiosks", "GET"): lambda c: Req("/surveys/kiosks"),
    ("surveys.register_kiosk", "POST"): lambda c: form(
        "/surveys/kiosks", counter_id=c.pick("counter"), label="Máy mới"
    ),
    ("surveys.disable_kiosk", "POST"): lambda c: form(
        f"/surveys/kiosks/{c.pick('kiosk_admin')}/disable"
    ),
    ("surveys.enable_kiosk", "POST"): lambda c: form(
        f"/surveys/kiosks/{c.pick('kiosk_admin')}/enable"
    ),
    ("surveys.rotate_kiosk", "POST"): lambda c: form(
        f"/surveys/kiosks/{c.pick('kiosk_admin')}/rotate"
    ),
    ("surveys.set_kiosk_mode", "POST"): lambda c: form(
        f"/surveys/kiosks/{c.pick('kiosk_admin')}/mode", mode="full"
    ),
    ("surveys.duty", "GET"): lambda c: Req("/surveys/duty"),
    ("surveys.invite", "POST"): lambda c: form(
        f"/surveys/duty/{c.pick('counter')}/invite", dossier_code="000.00.09.H26-260315-0001"
    ),
    ("surveys.set_duty", "POST"): _set_duty,
    ("units.list_units", "GET"): lambda c: Req("/units/"),
    ("units.list_service_points", "GET"): lambda c: Req("/units/service-points"),
    ("units.create_service_point", "GET"): lambda c: Req("/units/service-points/new"),
    ("units.create_service_point", "POST"): lambda c: form(
        "/units/service-points/new", unit_id=c.pick("unit"), name="Điểm tiếp nhận mới", address=""
    ),
    ("units.show_service_point", "GET"): lambda c: Req(f"/units/service-points/{c.pick('desk')}"),
    ("units.add_counter", "POST"): lambda c: form(
        f"/units/service-points/{c.pick('desk')}/counters", code="9", name=""
    ),
    ("units.add_officer", "POST"): lambda c: form(
        f"/units/service-points/{c.pick('desk')}/officers", name="Lê Văn C", title=""
    ),
    ("units.toggle_officer", "POST"): lambda c: form(
        f"/units/officers/{c.pick('officer_toggle')}/toggle"
    ),
    ("units.list_holidays", "GET"): lambda c: Req("/units/holidays"),
    ("units.add_holiday", "POST"): lambda c: form(
        "/units/holidays", day="2030-09-03", name="Ngày thử", kind="holiday"
    ),
    ("units.load_holidays", "POST"): lambda c: form("/units/holidays/load", year=2031),
    ("units.delete_holiday", "POST"): lambda c: form(f"/units/holidays/{c.pick('holiday')}/delete"),
    ("units.edit_deadlines", "GET"): lambda c: Req("/units/deadlines"),
    ("units.edit_deadlines", "POST"): lambda c: form(
        "/units/deadlines", classify=4, forward=5, answer=10
    ),
    ("results.list_units", "GET"): lambda c: Req("/results/"),
    ("results.show_results", "GET"): lambda c: Req(f"/results/{c.pick('unit_code')}"),
    ("results.show_trend", "GET"): lambda c: Req(f"/results/{c.pick('unit_code')}/trend.png"),
    ("main.healthz", "GET"): lambda c: Req("/healthz"),
    ("apidocs.openapi_document_json", "GET"): lambda c: Req("/api/v1/openapi.json"),
}


# --- checks -----------------------------------------------------------------------------------


def fingerprint(app) -> dict[str, str]:
    """A digest of every table and of the instance folder (attachments, voice prompts)."""
    state = {}
    with app.app_context(), db.engine.connect() as sql:
        for table in db.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in sql.execute(table.select()))
            state[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    root = Path(app.instance_path)
    files = sorted(
        f"{path.relative_to(root)}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
        for path in root.rglob("*")
        if path.is_file()
    )
    state["instance folder"] = hashlib.sha256("\n".join(files).encode()).hexdigest()
    return state


def to_sign_in(response) -> bool:
    """The redirect a signed-out visitor gets: to the sign-in page, remembering the page."""
    location = urlsplit(response.headers.get("Location", ""))
    return (
        response.status_code == 302 and location.path == "/auth/login" and "next=" in location.query
    )


def status_matches(response, expected: str) -> bool:
    """`login` is the sign-in redirect; a plain 302 is any other redirect."""
    if expected == "login":
        return to_sign_in(response)
    if expected == "302" and to_sign_in(response):
        return False
    return response.status_code == int(expected)


def shown(response) -> str:
    """What a status mismatch reports."""
    if to_sign_in(response):
        return "302 to sign-in"
    if response.status_code == 302:
        return f"302 to {urlsplit(response.headers['Location']).path}"
    return str(response.status_code)


class Browser:
    """A client signed in as a role (or not), with its session's CSRF token."""

    def __init__(self, app, role: str):
        """A fresh client, signed in as the role's account."""
        self.app, self.role = app, role
        self.client = app.test_client()
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in (once per test, and again after the sign-out row) and read the CSRF token."""
        account = ACCOUNTS[self.role][0]
        if account is None:
            self.token = csrf_token(self.client, "/auth/login")
            return
        sign_in(self.client, account)
        self.token = csrf_token(self.client, "/")

    def send(self, method: str, req: Req):
        """Send one request as the browser (or the machine) would."""
        data = req.data
        if req.csrf:
            data = {"csrf_token": self.token, **req.data}
        return self.client.open(
            req.path,
            method=method,
            data=data,
            json=req.json,
            headers=req.headers,
            content_type=req.content_type,
        )


def walk(app, world: dict, role: str) -> tuple[list[str], int]:
    """Every row of the matrix as this role; (what went wrong, how many requests were made)."""
    browser = Browser(app, role)
    adapter = app.url_map.bind("localhost")
    hidden_marks = [
        mark for tag in HIDDEN_WARDS[role] for mark in (world[tag]["mark"], WARD_NAMES[tag])
    ]
    problems, made = [], 0
    before = None  # the state before the next request, when it is known to be current
    for row in ROWS:
        if row.endpoint not in app.view_functions:
            continue  # a row without a route: test_every_route_has_a_row_… names it
        for side in row.sides(role):
            expected = row.expected(role, side)
            if expected is None:
                continue
            req = REQUESTS[(row.endpoint, row.method)](Ctx(app, world, row, role, side))
            endpoint, _args = adapter.match(urlsplit(req.path).path, method=row.method)
            assert endpoint == row.endpoint, f"{row}: the request went to {endpoint}"
            staff = row.endpoint not in MACHINE
            must_not_change = staff and (expected in REFUSED or side == "out")
            must_change = (
                staff
                and row.method == "POST"
                and not must_not_change
                and row.endpoint not in SIGN_IN_AND_OUT
            )
            if (must_not_change or must_change) and before is None:
                before = fingerprint(app)
            where = f"{row} {side}-scope as {role}"
            made += 1
            try:
                response = browser.send(row.method, req)
            except Exception as exc:  # one broken route must not hide the others
                problems.append(f"{where}: expected {expected}, raised {exc!r}")
                before = None
                continue
            if not status_matches(response, expected):
                problems.append(f"{where}: expected {expected}, got {shown(response)}")
            if must_not_change or must_change:
                after = fingerprint(app)
                changed = sorted(name for name in after if after[name] != before[name])
                if must_not_change and changed:
                    problems.append(f"{where}: a refused request changed {', '.join(changed)}")
                if must_change and not changed:
                    problems.append(f"{where}: an allowed change changed nothing")
                before = after
            else:
                before = None
            if staff and row.method == "GET" and response.status_code == 200:
                problems += leaks(response, where, row, world, hidden_marks)
            response.close()  # a file sent (attachment, voice prompt) is closed here
            if row.endpoint == "auth.logout":
                browser.sign_in()
    return problems, made


def leaks(response, where: str, row: Row, world: dict, hidden_marks: list[str]) -> list[str]:
    """A staff page shows nothing of a unit outside the user's scope; a list page shows ward A's
    objects (else it could not show a leak either)."""
    if response.mimetype != "text/html":
        return []
    body = page(response)
    found = [f"{where}: shows {mark!r}" for mark in hidden_marks if mark in body]
    if row.target == "list" and not any(m in body for m in (world["a"]["mark"], WARD_NAMES["a"])):
        found.append(f"{where}: shows none of ward A's objects")
    return found


# --- the tests --------------------------------------------------------------------------------


def test_every_route_has_a_row_and_every_row_a_route(app):
    """A new route fails here until MATRIX says who may use it; a row of a removed route too."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    rows = {(row.endpoint, row.method) for row in ROWS}
    missing = "\n".join(f"  {method} {endpoint}" for endpoint, method in sorted(routes - rows))
    assert not missing, f"routes without a row in the access matrix:\n{missing}"
    stale = "\n".join(f"  {method} {endpoint}" for endpoint, method in sorted(rows - routes))
    assert not stale, f"rows of the access matrix without a route:\n{stale}"


def test_the_matrix_is_well_formed():
    """Every cell reads, pairs only where an out-of-scope object exists, machine rows are the
    same for everyone, and every row has a request."""
    statuses = {"login", "-", "200", "201", "204", "302", "400", "401", "403", "404"}
    problems = []
    for row in ROWS:
        if row.target not in WARD_OBJECTS | ONCE:
            problems.append(f"{row}: unknown target")
        if (row.endpoint, row.method) not in REQUESTS:
            problems.append(f"{row}: no request builder")
        if row.endpoint in MACHINE and len(set(row.cells.values())) != 1:
            problems.append(f"{row}: a machine endpoint answers every role the same")
        for role, cell in row.cells.items():
            parts = cell.split("/")
            if not set(parts) <= statuses or len(parts) > 2:
                problems.append(f"{row} {role}: cannot read {cell!r}")
            if len(parts) == 2 and len(row.sides(role)) == 1:
                problems.append(f"{row} {role}: {cell!r} but there is no out-of-scope request")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, district, role):
    """Each row of MATRIX, in and out of scope, as one role: the status, nothing changed by a
    refused request, nothing shown of a unit outside the scope."""
    world = build_world(app, district)
    problems, made = walk(app, world, role)
    assert made > len(ROWS) // 2
    assert not problems, f"{len(problems)} of {made} requests as {role}:\n" + "\n".join(problems)
