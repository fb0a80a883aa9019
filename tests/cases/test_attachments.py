"""Attachments: only real JPEG, PNG or PDF content, size-limited, stored once by hash."""

import hashlib
import io
import struct
import zlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from feedback_app import storage
from feedback_app.extensions import db
from feedback_app.models import Attachment, Case, CaseChannel, Role
from feedback_app.storage import (
    AttachmentMissing,
    AttachmentRejected,
    open_for_download,
    path_for,
    store,
)
from tests.conftest import make_unit, make_user

MB = 1024 * 1024
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def tiny_png() -> bytes:
    """A real 1×1 white PNG, built chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte + one pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class EndlessJpeg:
    """A stream that starts like a JPEG and never ends; counts the bytes handed out."""

    def __init__(self) -> None:
        self.served = 0

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "an endless stream must be read in chunks"
        data = (JPEG_HEAD + bytes(size))[:size] if self.served == 0 else bytes(size)
        self.served += len(data)
        return data


def stored_files() -> list:
    """Every file under the attachments folder, temporary ones included."""
    root = storage.storage_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def row_count() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def test_real_png_is_stored_by_its_hash(app):
    content = tiny_png()
    with app.app_context():
        attachment = store(io.BytesIO(content), original_name="phieu gop y.png")
        digest = hashlib.sha256(content).hexdigest()
        assert attachment.id is not None  # flushed
        assert attachment.sha256 == digest
        assert attachment.content_type == "image/png"
        assert attachment.size == len(content)
        assert attachment.original_name == "phieu_gop_y.png"
        expected = storage.storage_root() / digest[:2] / digest
        assert expected.is_relative_to(app.instance_path)
        assert path_for(attachment) == expected
        assert expected.read_bytes() == content
        assert stored_files() == [expected]


def test_text_file_named_png_is_refused_as_wrong_type(app):
    upload = FileStorage(
        io.BytesIO(b"hello, this is not a picture"),
        filename="photo.png",
        content_type="image/png",
    )
    with app.app_context():
        with pytest.raises(AttachmentRejected) as refused:
            store(upload, original_name=upload.filename)
        assert refused.value.reason == "type"
        assert row_count() == 0
        assert stored_files() == []


def test_one_byte_over_ten_megabytes_is_refused_and_leaves_nothing(app):
    content = JPEG_HEAD + b"\x00" * (10 * MB + 1 - len(JPEG_HEAD))
    assert len(content) == 10 * MB + 1
    with app.app_context():
        assert app.config["ATTACHMENT_MAX_BYTES"] == 10 * MB
        with pytest.raises(AttachmentRejected) as refused:
            store(io.BytesIO(content), original_name="scan.jpg")
        assert refused.value.reason == "size"
        assert row_count() == 0
        assert stored_files() == []


def test_exactly_the_limit_is_accepted(app):
    app.config["ATTACHMENT_MAX_BYTES"] = 4096
    content = JPEG_HEAD + b"\x00" * (4096 - len(JPEG_HEAD))
    with app.app_context():
        attachment = store(io.BytesIO(content), original_name="scan.jpg")
        assert attachment.size == 4096
        with pytest.raises(AttachmentRejected):
            store(io.BytesIO(content + b"\x00"), original_name="scan.jpg")
        assert row_count() == 1
        assert stored_files() == [path_for(attachment)]


def test_oversized_stream_is_refused_without_reading_it_all(app):
    app.config["ATTACHMENT_MAX_BYTES"] = 100_000
    stream = EndlessJpeg()
    with app.app_context():
        with pytest.raises(AttachmentRejected) as refused:
            store(stream, original_name="endless.jpg")
        assert refused.value.reason == "size"
        assert stream.served < 100_000 + 2 * storage.CHUNK_SIZE
        assert stored_files() == []


def test_empty_file_is_refused(app):
    upload = FileStorage(io.BytesIO(b""), filename="empty.pdf", content_type="application/pdf")
    with app.app_context():
        with pytest.raises(AttachmentRejected) as refused:
            store(upload, original_name="empty.pdf")
        assert refused.value.reason == "empty"
        assert row_count() == 0
        assert stored_files() == []


def test_same_content_twice_is_one_file_and_two_rows(app):
    content = tiny_png()
    with app.app_context():
        first = store(io.BytesIO(content), original_name="a.png")
        second = store(io.BytesIO(content), original_name="b.png")
        assert first.id != second.id
        assert first.sha256 == second.sha256
        assert row_count() == 2
        assert stored_files() == [path_for(first)]
        assert [a.original_name for a in db.session.scalars(select(Attachment))] == [
            "a.png",
            "b.png",
        ]


def test_pdf_is_accepted(app):
    with app.app_context():
        attachment = store(io.BytesIO(PDF), original_name="bien ban mo hom thu.pdf")
        assert attachment.content_type == "application/pdf"
        assert path_for(attachment).read_bytes() == PDF


def test_type_comes_from_content_not_from_name_or_browser(app):
    upload = FileStorage(
        io.BytesIO(JPEG_HEAD + b"rest of a photo"), filename="anh.png", content_type="text/html"
    )
    with app.app_context():
        attachment = store(upload, original_name=upload.filename)
        assert attachment.content_type == "image/jpeg"


def test_original_name_is_sanitised_and_cut_keeping_its_extension(app):
    with app.app_context():
        sneaky = store(io.BytesIO(PDF), original_name="../../etc/Phiếu góp ý.pdf")
        assert sneaky.original_name == "etc_Phieu_gop_y.pdf"
        long_one = store(io.BytesIO(PDF), original_name="a" * 300 + ".pdf")
        assert len(long_one.original_name) == 200
        assert long_one.original_name.endswith("a.pdf")


def test_store_adds_but_never_commits(app):
    with app.app_context():
        store(io.BytesIO(PDF), original_name="x.pdf")
        assert row_count() == 1
        db.session.rollback()
        assert row_count() == 0


def test_attachment_belongs_to_case_and_uploader(app):
    with app.app_context():
        unit = make_unit("00343", "Phường Nhân Chính")
        clerk = make_user("clerk", Role.INTAKE_CLERK, unit)
        case = Case(
            code="K7M2Q9XA",
            channel=CaseChannel.BOX,
            received_at=datetime(2024, 3, 12, 2, 0, tzinfo=UTC),
            unit=unit,
            content="Phiếu góp ý",
            classify_due=date(2024, 3, 15),
            answer_due=date(2024, 3, 29),
        )
        db.session.add(case)
        db.session.flush()
        attachment = store(
            io.BytesIO(tiny_png()), original_name="slip.png", case=case, uploaded_by=clerk
        )
        db.session.commit()
        assert attachment.case_id == case.id
        assert attachment.uploaded_by_id == clerk.id
        assert db.session.get(Case, case.id).attachments == [attachment]


def test_download_gives_path_type_and_a_name_matching_the_content(app):
    with app.app_context():
        named = store(io.BytesIO(PDF), original_name="bien_ban.pdf")
        disguised = store(io.BytesIO(PDF), original_name="slip.html")
        nameless = store(io.BytesIO(tiny_png()), original_name="")
        download = open_for_download(named)
        assert download == (path_for(named), "application/pdf", "bien_ban.pdf")
        assert download.path.is_file()
        assert open_for_download(disguised).download_name == "slip.html.pdf"
        assert open_for_download(nameless).download_name == f"attachment-{nameless.id}.png"


def test_download_of_a_lost_file_is_a_named_error(app):
    with app.app_context():
        attachment = store(io.BytesIO(PDF), original_name="x.pdf")
        path_for(attachment).unlink()
        with pytest.raises(AttachmentMissing):
            open_for_download(attachment)


def test_path_is_never_built_from_a_bad_hash(app):
    with app.app_context():
        with pytest.raises(ValueError):
            path_for(Attachment(sha256="../../secret_key", content_type="image/png", size=1))


@pytest.mark.parametrize(
    ("reason", "limit", "message"),
    [
        ("type", None, "Only JPEG, PNG or PDF files can be attached."),
        ("size", 10 * MB, "A file can be at most 10 MB."),
        ("size", 4096, "A file can be at most 1 MB."),
        ("empty", None, "The file is empty."),
    ],
)
def test_rejection_has_a_message_for_people(app, reason, limit, message):
    with app.test_request_context("/?lang=en"):
        error = AttachmentRejected(reason, limit=limit)
        assert error.reason == reason
        assert isinstance(error, ValueError)
        assert error.message == message


def test_rejection_reason_must_be_known():
    with pytest.raises(ValueError):
        AttachmentRejected("virus")
