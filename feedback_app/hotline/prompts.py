"""Recorded voice prompts: an admin may upload an MP3 or WAV for any fixed prompt of the menu,
played instead of the synthetic vi-VN voice. Files live in ``<instance>/hotline-prompts/`` and
are served publicly (Twilio fetches them without credentials; they hold nothing personal)."""

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import UserError
from ..models import User
from ..storage import AUDIO_SIGNATURES
from ..urls import external_url

# The prompts that can be replaced by a recording, with what each one is for.
PROMPTS = {
    "menu": _l("Welcome and menu"),
    "invalid": _l("Wrong key"),
    "goodbye": _l("Goodbye"),
    "hours": _l("Opening hours"),
    "leave_message": _l("Leave a message after the tone"),
    "closed": _l("Operators not on duty"),
    "busy": _l("Operators cannot answer"),
    "connecting": _l("Connecting to an operator"),
    "recorded": _l("Message recorded"),
    "enter_code": _l("Enter the tracking code"),
    "not_found": _l("No case with that code"),
}
MAX_PROMPT_BYTES = 5 * 1024 * 1024
EXTENSIONS = {"audio/mpeg": "mp3", "audio/wav": "wav"}


class PromptRejected(UserError):
    """Not an MP3 or WAV file, empty, or too large; shown under the prompt's upload field."""

    field = "audio"


def folder() -> Path:
    """Where the prompt files are kept."""
    return Path(current_app.instance_path) / "hotline-prompts"


def path(key: str) -> Path | None:
    """The uploaded file for a prompt, or None."""
    if key not in PROMPTS:
        return None
    for extension in EXTENSIONS.values():
        candidate = folder() / f"{key}.{extension}"
        if candidate.is_file():
            return candidate
    return None


def url(key: str) -> str | None:
    """The public address Twilio plays for a prompt, or None to use the synthetic voice."""
    if path(key) is None:
        return None
    return external_url("hotline_webhooks.prompt", key=key)


def save(key: str, data: bytes, actor: User | None = None) -> None:
    """Keep an uploaded prompt (replacing the previous one), audited; PromptRejected if it is
    not one."""
    if key not in PROMPTS:
        raise PromptRejected(_("This prompt cannot be replaced."))
    if not data or len(data) > MAX_PROMPT_BYTES:
        mb = MAX_PROMPT_BYTES // (1024 * 1024)
        raise PromptRejected(_("The file is empty or larger than %(mb)d MB.", mb=mb))
    content_type = next(
        (kind for magic, kind, _ext in AUDIO_SIGNATURES if data.startswith(magic)), None
    )
    if content_type is None:
        raise PromptRejected(_("Only MP3 or WAV recordings can be used as prompts."))
    remove(key)
    folder().mkdir(parents=True, exist_ok=True)
    target = folder() / f"{key}.{EXTENSIONS[content_type]}"
    temp = target.with_suffix(".tmp")
    temp.write_bytes(data)
    temp.replace(target)
    audit.record("hotline_prompt_uploaded", actor=actor, key=key, size=len(data))


def revert(key: str, actor: User) -> bool:
    """Go back to the synthetic voice for this prompt, audited; False if it already was."""
    if path(key) is None:
        return False
    remove(key)
    audit.record("hotline_prompt_removed", actor=actor, key=key)
    return True


def remove(key: str) -> None:
    """Delete the prompt's recording, whatever its format."""
    for extension in EXTENSIONS.values():
        (folder() / f"{key}.{extension}").unlink(missing_ok=True)
