"""Translated names for enum values shown to people."""

from flask_babel import lazy_gettext as _l

from .models import (
    CallOutcome,
    CallStatus,
    CaseChannel,
    CaseKind,
    CaseStatus,
    InstrumentStatus,
    KioskMode,
    QuestionKind,
    Role,
    UnitLevel,
)

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.REFORM_OFFICE: _l("Reform office"),
    Role.UNIT_MANAGER: _l("Unit manager"),
    Role.INTAKE_CLERK: _l("Intake clerk"),
    Role.HOTLINE_OPERATOR: _l("Hotline operator"),
    Role.COUNTER_STAFF: _l("Counter staff"),
}

UNIT_LEVEL_LABELS = {
    UnitLevel.PROVINCE: _l("Province"),
    UnitLevel.DISTRICT: _l("District"),
    UnitLevel.COMMUNE: _l("Commune / ward"),
}

CASE_STATUS_LABELS = {
    CaseStatus.RECEIVED: _l("Received"),
    CaseStatus.CLASSIFIED: _l("Classified"),
    CaseStatus.ASSIGNED: _l("Assigned"),
    CaseStatus.ANSWERED: _l("Answered"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.REJECTED: _l("Rejected"),
    CaseStatus.FORWARDED: _l("Forwarded"),
}

CASE_KIND_LABELS = {
    CaseKind.FEEDBACK: _l("Feedback (phản ánh)"),
    CaseKind.PROPOSAL: _l("Proposal (kiến nghị)"),
    CaseKind.SUGGESTION: _l("Suggestion (góp ý)"),
    CaseKind.PRAISE: _l("Praise"),
    CaseKind.QUESTION: _l("Question"),
    CaseKind.COMPLAINT: _l("Complaint (khiếu nại)"),
    CaseKind.DENUNCIATION: _l("Denunciation (tố cáo)"),
}

CASE_CHANNEL_LABELS = {
    CaseChannel.BOX: _l("Suggestion box"),
    CaseChannel.BOOK: _l("Comment book"),
    CaseChannel.HOTLINE_CALL: _l("Hotline call"),
    CaseChannel.HOTLINE_SMS: _l("SMS"),
    CaseChannel.KIOSK_COMMENT: _l("Kiosk comment"),
    CaseChannel.WEB: _l("Web"),
    CaseChannel.WALK_IN: _l("At the desk"),
}

# Workflow steps as they read in a sentence ("cannot be …") and in the history.
CASE_ACTION_LABELS = {
    "received": _l("received"),
    "classified": _l("classified"),
    "assigned": _l("assigned"),
    "answered": _l("answered"),
    "closed": _l("closed"),
    "rejected": _l("rejected"),
    "forwarded": _l("forwarded"),
    "published": _l("published"),
    "unpublished": _l("unpublished"),
    "note": _l("note added"),
    "attached": _l("file attached"),
    "transcribed": _l("voicemail transcribed"),
    "call_linked": _l("hotline call linked"),
    "call_unlinked": _l("hotline call unlinked"),
}

INSTRUMENT_STATUS_LABELS = {
    InstrumentStatus.DRAFT: _l("Draft"),
    InstrumentStatus.PUBLISHED: _l("Published"),
    InstrumentStatus.RETIRED: _l("Retired"),
}

KIOSK_MODE_LABELS = {
    KioskMode.QUICK: _l("Quick: one tap on a face, more only if the citizen wants"),
    KioskMode.FULL: _l("Full: every question, one per screen"),
}

QUESTION_KIND_LABELS = {
    QuestionKind.LIKERT5: _l("Rating 1–5"),
    QuestionKind.CHOICE_SCORED: _l("Scored choice"),
    QuestionKind.YES_NO: _l("Yes / no"),
    QuestionKind.TEXT: _l("Text"),
    QuestionKind.MULTI_CHOICE: _l("Several choices"),
}

# SIPAS factors (QĐ 1001/QĐ-BNV) and the overall question; "" is outside the index.
SURVEY_FACTOR_LABELS = {
    "F1": _l("F1 · Access to the service"),
    "F2": _l("F2 · Administrative procedures"),
    "F3": _l("F3 · Officers"),
    "F4": _l("F4 · Results"),
    "F5": _l("F5 · Handling of comments"),
    "overall": _l("Overall satisfaction"),
}

RESPONSE_CHANNEL_LABELS = {
    "kiosk": _l("Counter tablet"),
    "paper": _l("Paper form"),
    "web": _l("Web survey"),
    "sms": _l("SMS"),
    "ivr": _l("Phone menu"),
}

CALL_STATUS_LABELS = {
    CallStatus.QUEUED: _l("Queued"),
    CallStatus.RINGING: _l("Ringing"),
    CallStatus.IN_PROGRESS: _l("In progress"),
    CallStatus.COMPLETED: _l("Completed"),
    CallStatus.BUSY: _l("Busy"),
    CallStatus.FAILED: _l("Failed"),
    CallStatus.NO_ANSWER: _l("No answer"),
    CallStatus.CANCELED: _l("Hung up before answer"),
}

CALL_OUTCOME_LABELS = {
    CallOutcome.INFORMED: _l("Answered on the phone"),
    CallOutcome.CASE_OPENED: _l("Case opened"),
    CallOutcome.CALL_BACK: _l("To be called back"),
    CallOutcome.REFERRED: _l("Referred to another office"),
    CallOutcome.NO_ACTION: _l("Nothing to do"),
}

# What a caller pressed in the voice menu.
IVR_CHOICE_LABELS = {
    "1": _l("Left a message"),
    "2": _l("Opening hours"),
    "3": _l("Case status"),
    "0": _l("Operator"),
}
