"""Attachments (tệp đính kèm): scans and photos of slips, PDFs, stored by content hash.

Files live under ``<instance_path>/attachments/<first 2 hex>/<sha256>``. The same content is
written once however many rows point at it, so a file is never deleted because one row goes
away; a file no row references (an upload whose transaction was rolled back) is harmless and can
be swept by a retention job.

The type is decided by the file's first bytes, never by its name or the browser's content type:
a renamed text file is refused, and a real JPEG called ``photo.png`` is stored as a JPEG.

Like every service this module only adds and flushes; the caller commits, and records the
CaseEvent when the attachment belongs to a case (cases keep their own history).
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path, PurePath
from typing import BinaryIO, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from .errors import UserError
from .extensions import db
from .models import Attachment, Case, User

CHUNK_SIZE = 64 * 1024
NAME_MAX = 200  # Attachment.original_name is String(200)
MIB = 1024 * 1024

# (leading bytes, content type, the file name extensions that go with it). The first entry is
# the extension used when a download name has to be made up or corrected.
SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"%PDF-", "application/pdf", (".pdf",)),
)
# Voicemail recordings (fetched from the provider, never uploaded by a browser).
AUDIO_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"ID3", "audio/mpeg", (".mp3",)),
    (b"\xff\xfb", "audio/mpeg", (".mp3",)),
    (b"\xff\xf3", "audio/mpeg", (".mp3",)),
    (b"\xff\xf2", "audio/mpeg", (".mp3",)),
    (b"RIFF", "audio/wav", (".wav",)),
)
SNIFF_BYTES = max(len(magic) for magic, _type, _ext in SIGNATURES + AUDIO_SIGNATURES)
EXTENSIONS = {
    content_type: extensions for _magic, content_type, extensions in SIGNATURES + AUDIO_SIGNATURES
}
SHA256_RE = re.compile(r"[0-9a-f]{64}")


class AttachmentRejected(UserError):
    """Upload refused: ``reason`` is "type", "size" or "empty"; ``message`` is for people,
    translated when it is shown (the upload is refused before the page's language matters)."""

    field = "attachment"

    REASONS = frozenset({"type", "size", "empty"})

    def __init__(self, reason: str, *, limit: int | None = None) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(f"attachment rejected: {reason}")
        self.reason = reason
        self.limit = limit

    @property
    def message(self) -> str:
        """The translated sentence to show next to the file field (in the current locale)."""
        if self.reason == "type":
            return _("Only JPEG, PNG or PDF files can be attached.")
        if self.reason == "size":
            # Never "0 MB" when a test or an operator sets a limit below one megabyte.
            mb = max(1, (self.limit or 0) // MIB)
            # Translators: the largest file a clerk may attach; mb is a whole number.
            return _("A file can be at most %(mb)d MB.", mb=mb)
        return _("The file is empty.")


class AttachmentMissing(FileNotFoundError):
    """The row exists but its file is not on disk (restored database, lost volume): a 404."""


class Download(NamedTuple):
    """What a view passes to ``send_file(path, mimetype=..., download_name=...)``."""

    path: Path
    mimetype: str
    download_name: str


def storage_root() -> Path:
    """The folder that holds every attachment file."""
    return Path(current_app.instance_path) / "attachments"


def path_for(attachment: Attachment) -> Path:
    """Where an attachment's content is on disk (it may be shared with other rows)."""
    digest = attachment.sha256
    if not SHA256_RE.fullmatch(digest or ""):
        # The value comes from our own database, but a path must never be built from junk.
        raise ValueError(f"attachment {attachment.id} has no valid sha256")
    return storage_root() / digest[:2] / digest


def open_for_download(attachment: Attachment) -> Download:
    """The file, its type and a safe name for ``send_file``; AttachmentMissing when it is gone.

    The download name always ends with an extension that matches the real type, so a file
    uploaded as ``slip.html`` can never be saved by a browser as HTML.
    """
    path = path_for(attachment)
    if not path.is_file():
        raise AttachmentMissing(f"attachment {attachment.id}: {path} is missing")
    return Download(path, attachment.content_type, _download_name(attachment))


def store(
    source: FileStorage | BinaryIO,
    *,
    original_name: str,
    case: Case | None = None,
    uploaded_by: User | None = None,
    audio: bool = False,
) -> Attachment:
    """Check and keep an uploaded file; return its new Attachment row (added and flushed).

    ``source`` is a werkzeug FileStorage or any binary stream. It is read in chunks while being
    hashed and counted, and refused with AttachmentRejected as soon as it is empty, not a JPEG,
    PNG or PDF by its first bytes (MP3 or WAV with ``audio``), or over ATTACHMENT_MAX_BYTES;
    nothing is left on disk then.
    """
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    stream = source.stream if isinstance(source, FileStorage) else source

    head = _read_head(stream)
    if not head:
        raise AttachmentRejected("empty")
    content_type = _sniff(head, AUDIO_SIGNATURES if audio else SIGNATURES)
    if content_type is None:
        raise AttachmentRejected("type")
    if len(head) > limit:
        raise AttachmentRejected("size", limit=limit)

    root = storage_root()
    root.mkdir(parents=True, exist_ok=True)
    # In the attachments folder itself, so the final rename stays on one file system (atomic).
    handle, temp_name = tempfile.mkstemp(dir=root, prefix=".incoming-", suffix=".tmp")
    temp_path = Path(temp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(handle, "wb") as temp:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise AttachmentRejected("size", limit=limit)
                digest.update(chunk)
                temp.write(chunk)
                chunk = stream.read(CHUNK_SIZE)
            temp.flush()
            os.fsync(temp.fileno())  # "nothing is lost": on disk before the row can commit
        sha256 = digest.hexdigest()
        final = root / sha256[:2] / sha256
        if final.is_file():
            temp_path.unlink()  # the same content is already kept
        else:
            final.parent.mkdir(exist_ok=True)
            # Two workers storing the same bytes at once both land here; either rename wins
            # with identical content, so the race is harmless.
            os.replace(temp_path, final)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise

    attachment = Attachment(
        case=case,
        sha256=sha256,
        content_type=content_type,
        size=size,
        original_name=clean_name(original_name),
        uploaded_by_id=uploaded_by.id if uploaded_by is not None else None,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def clean_name(name: str | None) -> str:
    """The uploaded file name made safe (secure_filename), at most 200 characters.

    When the name must be cut, its extension is kept.
    """
    safe = secure_filename(name or "")
    if len(safe) <= NAME_MAX:
        return safe
    suffix = PurePath(safe).suffix
    if not suffix or len(suffix) > 16:
        return safe[:NAME_MAX]
    return safe[: NAME_MAX - len(suffix)] + suffix


def _read_head(stream: BinaryIO) -> bytes:
    """The first bytes, enough to recognise any allowed type (streams may return short reads)."""
    head = b""
    while len(head) < SNIFF_BYTES:
        chunk = stream.read(SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _sniff(head: bytes, signatures=SIGNATURES) -> str | None:
    """The content type the leading bytes prove, or None when it is not an allowed type."""
    for magic, content_type, _extensions in signatures:
        if head.startswith(magic):
            return content_type
    return None


def _download_name(attachment: Attachment) -> str:
    """The stored name with an extension that matches the content; made up when empty."""
    extensions = EXTENSIONS.get(attachment.content_type, ("",))
    name = attachment.original_name or ""
    stem = PurePath(name).stem if name else ""
    if not stem:
        return f"attachment-{attachment.id}{extensions[0]}"
    if PurePath(name).suffix.lower() in extensions:
        return name
    return name + extensions[0]
