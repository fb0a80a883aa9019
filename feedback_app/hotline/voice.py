"""The Vietnamese voice menu as TwiML (built with the `twilio` library, never by hand).

Keypad first: 1 leave a message, 2 opening hours, 3 a case's status by its code, 0 an operator
(during opening hours, otherwise voicemail). No input or a wrong key repeats the menu at most
twice, then the call ends politely. Each prompt is read by a Google vi-VN voice, or played from a
file the admin uploaded (see prompts.py).
"""

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from twilio.twiml.voice_response import VoiceResponse

from ..labels import CASE_STATUS_LABELS
from ..models import Case, HotlineLine
from ..urls import external_url
from . import hours, prompts

MAX_REPEATS = 2


def _texts() -> dict[str, str]:
    """What each prompt says, in Vietnamese (read in the current locale: callers hear vi)."""
    return {
        "menu": _(
            "Welcome to the citizens' hotline. To leave a message, press 1. For opening hours, "
            "press 2. To check a case by its tracking code, press 3. To talk to an operator, "
            "press 0."
        ),
        "invalid": _("Sorry, that key is not in the menu."),
        "goodbye": _("Thank you for calling. Goodbye."),
        "leave_message": _(
            "Please leave your message after the tone, and say your name and phone number if "
            "you want an answer. Press the hash key when you have finished."
        ),
        "closed": _("The operators are not on duty now."),
        "busy": _("The operators cannot answer right now."),
        "recorded": _("Thank you. Your message has been recorded. Goodbye."),
        "enter_code": _(
            "Enter your tracking code on the keypad: for each letter, press the key that "
            "carries it. Then press the hash key."
        ),
        "not_found": _("No case was found with that code."),
        "connecting": _("Please hold, we are connecting you to an operator."),
    }


def _speak(node, key: str, text: str | None = None) -> None:
    """Play the uploaded prompt for this key, or read the text with the vi-VN voice."""
    audio = prompts.url(key)
    if audio:
        node.play(audio)
    else:
        node.say(
            text if text is not None else _texts()[key],
            language="vi-VN",
            voice=current_app.config["HOTLINE_VOICE"],
        )


def _menu_url(**params) -> str:
    return url_for("hotline_webhooks.voice_menu", **params)


def _twiml(response: VoiceResponse) -> str:
    return str(response)


def menu(attempt: int = 0, before: str | None = None) -> str:
    """The menu, waiting for one key; silence comes back to the menu endpoint without Digits."""
    with force_locale("vi"):
        response = VoiceResponse()
        if before:
            _speak(response, before)
        gather = response.gather(
            input="dtmf", num_digits=1, timeout=6, action=_menu_url(attempt=attempt), method="POST"
        )
        _speak(gather, "menu")
        response.redirect(_menu_url(attempt=attempt), method="POST")
        return _twiml(response)


def retry_or_goodbye(attempt: int, wrong_key: bool) -> str:
    """A wrong key or silence: the menu again, at most twice, then a polite goodbye."""
    if attempt >= MAX_REPEATS:
        return goodbye("invalid" if wrong_key else None)
    return menu(attempt + 1, before="invalid" if wrong_key else None)


def goodbye(before: str | None = None) -> str:
    """End the call politely."""
    with force_locale("vi"):
        response = VoiceResponse()
        if before:
            _speak(response, before)
        _speak(response, "goodbye")
        response.hangup()
        return _twiml(response)


def opening_hours(attempt: int) -> str:
    """Read the opening hours, then the menu again."""
    with force_locale("vi"):
        text = _(
            "The hotline is answered on working days, Monday to Friday, from %(hours)s.",
            hours=hours.describe().replace("–", " đến "),
        )
        response = VoiceResponse()
        _speak(response, "hours", text)
        _add_menu(response, attempt)
        return _twiml(response)


def _add_menu(response: VoiceResponse, attempt: int) -> None:
    response.redirect(_menu_url(attempt=attempt, step="again"), method="POST")


def voicemail(before: str | None = None) -> str:
    """Record a message; the recording callback stores it and opens a case."""
    with force_locale("vi"):
        response = VoiceResponse()
        if before:
            _speak(response, before)
        _speak(response, "leave_message")
        response.record(
            max_length=int(current_app.config["HOTLINE_VOICEMAIL_SECONDS"]),
            play_beep=True,
            finish_on_key="#",
            timeout=8,
            action=_menu_url(step="recorded"),
            method="POST",
            recording_status_callback=external_url("hotline_webhooks.recording"),
            recording_status_callback_method="POST",
            recording_status_callback_event="completed absent",
        )
        _speak(response, "goodbye")
        response.hangup()
        return _twiml(response)


def recorded() -> str:
    """After the recording: thanks, and hang up."""
    with force_locale("vi"):
        response = VoiceResponse()
        _speak(response, "recorded")
        response.hangup()
        return _twiml(response)


def operator(line: HotlineLine | None, is_open: bool) -> str:
    """0: put through to the operator during opening hours; otherwise voicemail."""
    if not is_open:
        return voicemail(before="closed")
    if line is None or not line.operator_number:
        return voicemail(before="busy")
    with force_locale("vi"):
        response = VoiceResponse()
        _speak(response, "connecting")
        response.dial(
            line.operator_number,
            timeout=int(current_app.config["HOTLINE_DIAL_TIMEOUT_SECONDS"]),
            action=_menu_url(step="dialed"),
            method="POST",
        )
        return _twiml(response)


def ask_code(attempt: int) -> str:
    """3: type the tracking code, letters by their keys, then #."""
    with force_locale("vi"):
        response = VoiceResponse()
        gather = response.gather(
            input="dtmf",
            finish_on_key="#",
            timeout=10,
            action=_menu_url(attempt=attempt, step="code"),
            method="POST",
        )
        _speak(gather, "enter_code")
        _add_menu(response, attempt)
        return _twiml(response)


def case_status(case: Case | None, attempt: int) -> str:
    """Read back a case's status (never who sent it), then the menu again."""
    with force_locale("vi"):
        response = VoiceResponse()
        if case is None:
            _speak(response, "not_found")
        else:
            spelled = ", ".join(case.code)
            text = _(
                "Case %(code)s: %(status)s.",
                code=spelled,
                status=str(CASE_STATUS_LABELS[case.status]),
            )
            if case.published and case.answer:
                text += " " + _("Its answer is published on the tracking page.")
            _speak(response, "status", text)
        _add_menu(response, attempt)
        return _twiml(response)


def hang_up() -> str:
    """Nothing more to say (the operator's call ended)."""
    response = VoiceResponse()
    response.hangup()
    return _twiml(response)
