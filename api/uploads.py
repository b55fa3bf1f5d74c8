"""Uploaded scans streamed to disk under generated names, with the limits checked as bytes arrive.

Each request gets its own folder ``uploads/<uuid4>/`` holding ``1.upload``, ``2.upload``, …;
the name the user's browser sent is kept as a string for display and never becomes a path.
Nothing over a limit is written, and a refused upload leaves nothing behind. What a file
holds is decided later by ingest from its first bytes, never from its name.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.errors import AppError
from api.ingest_command import BYTES_PER_MB
from api.settings import Settings

FILES_FIELD = "files"
MAX_FILES = 1000
MAX_FIELD_BYTES = 4096
MAX_NAME_CHARS = 200
MULTIPART_SLACK = 1024 * 1024  # boundaries and part headers on top of the file bytes
READ_CHUNK = 1024 * 1024


class UploadRefused(AppError):
    """An upload over a limit (413) or not a multipart form."""

    status, code = 413, "too_large"


@dataclass(frozen=True)
class UploadLimits:
    """Bytes allowed per file and per request, and files per request."""

    max_file_bytes: int
    max_batch_bytes: int
    max_files: int = MAX_FILES

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(
            max_file_bytes=settings.max_file_mb * BYTES_PER_MB,
            max_batch_bytes=settings.max_batch_mb * BYTES_PER_MB,
        )


@dataclass(frozen=True)
class UploadedFile:
    """One file as received: the user's name for it (display only), where it lies, its size."""

    name: str
    path: Path
    size: int


@dataclass
class Upload:
    """Everything one request sent: its folder, the files in order, the text fields."""

    folder: Path
    files: list[UploadedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def discard(self) -> None:
        """Delete the folder and every file in it (after ingest, or when refused)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def display_name(sent: str | None, number: int) -> str:
    """The name shown for a file: the last part of what the browser sent, printable, bounded."""
    name = (sent or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()[:MAX_NAME_CHARS]
    return name or f"文件{number}"


def _mb(n_bytes: int) -> int:
    return n_bytes // BYTES_PER_MB


def file_too_large(name: str, limit: int) -> UploadRefused:
    return UploadRefused(
        f"文件「{name}」超过单个文件 {_mb(limit)} MB 的上限，请拆分后再上传。",
        f"{name} is larger than the limit of {_mb(limit)} MB per file; split it and upload "
        "the parts.",
        code="file_too_large",
    )


def batch_too_large(name: str | None, limit: int) -> UploadRefused:
    at = f"（到文件「{name}」时）" if name else ""
    at_en = f" (reached at {name})" if name else ""
    return UploadRefused(
        f"本次上传超过每批 {_mb(limit)} MB 的上限{at}，请分几次上传。",
        f"The upload is larger than the limit of {_mb(limit)} MB per batch{at_en}; upload the "
        "files in several batches.",
        code="batch_too_large",
    )


def _malformed() -> UploadRefused:
    return UploadRefused(
        "上传内容格式有误，请重新上传。",
        "The multipart body is malformed or cut off; upload again.",
        code="bad_upload",
        status=400,
    )


class _Receiver:
    """Writes the parts of one request into its folder, counting every byte against the limits.

    Fed part by part by the streaming parser, or from a form Starlette already parsed.
    """

    def __init__(self, folder: Path, limits: UploadLimits) -> None:
        self.upload = Upload(folder)
        self.limits = limits
        self.total = 0
        self._field = ""
        self._name = ""
        self._text = bytearray()
        self._path: Path | None = None
        self._stream: BinaryIO | None = None
        self._size = 0
        self._sent_name = False

    def begin(self, field_name: str, sent_name: str | None) -> None:
        self._field, self._text, self._size = field_name, bytearray(), 0
        if field_name != FILES_FIELD:
            return
        number = len(self.upload.files) + 1
        if number > self.limits.max_files:
            raise UploadRefused(
                f"一次最多上传 {self.limits.max_files} 个文件，请分几次上传。",
                f"At most {self.limits.max_files} files per upload; upload in several batches.",
                code="too_many_files",
            )
        self._name, self._sent_name = display_name(sent_name, number), bool(sent_name)
        self._path = self.upload.folder / f"{number}.upload"
        self._stream = self._path.open("xb")

    def data(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.total > self.limits.max_batch_bytes:
            raise batch_too_large(self._name if self._stream else None, self.limits.max_batch_bytes)
        if self._stream is None:
            self._text += chunk
            if len(self._text) > MAX_FIELD_BYTES:
                raise UploadRefused(
                    f"表单字段「{self._field[:40]}」过长。",
                    f"The form field {self._field[:40]!r} is too long.",
                    code="field_too_large",
                )
            return
        self._size += len(chunk)
        if self._size > self.limits.max_file_bytes:
            raise file_too_large(self._name, self.limits.max_file_bytes)
        self._stream.write(chunk)

    def end(self) -> None:
        if self._stream is None or self._path is None:
            self.upload.fields[self._field] = self._text.decode("utf-8", errors="replace")
            self._field = ""
            return
        self._stream.close()
        self._stream = None
        if self._size == 0 and not self._sent_name:
            self._path.unlink()  # a file input left empty: browsers still send the part
        else:
            self.upload.files.append(UploadedFile(self._name, self._path, self._size))
        self._path = None
        self._field = ""

    def finish(self) -> None:
        """The body ended: a part still open means it was cut off."""
        if self._stream is not None or self._field:
            raise _malformed()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


async def receive_upload(request: Request, *, uploads_dir: Path, limits: UploadLimits) -> Upload:
    """Stream a multipart request into a new folder under ``uploads_dir``; raises
    `UploadRefused` (413, or 415 for a body that is not a multipart form) and then
    leaves nothing on disk."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadRefused(
            "请以 multipart/form-data 表单上传文件（字段名 files）。",
            "Send the files as multipart/form-data, in the field `files`.",
            code="not_multipart",
            status=415,
        )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.max_batch_bytes + MULTIPART_SLACK:
        raise batch_too_large(None, limits.max_batch_bytes)
    folder = uploads_dir / uuid.uuid4().hex
    folder.mkdir(parents=True)
    receiver = _Receiver(folder, limits)
    try:
        stream = request.stream()
        try:
            first = await anext(stream)
        except RuntimeError:  # the body was parsed already, for a CSRF token sent in the form
            await _from_parsed_form(request, receiver)
        else:
            await _from_stream(boundary, first, stream, receiver)
        receiver.finish()
    except FormParserError as e:
        receiver.close()
        receiver.upload.discard()
        raise _malformed() from e
    except BaseException:
        receiver.close()
        receiver.upload.discard()
        raise
    return receiver.upload


async def _from_stream(
    boundary: bytes, first: bytes, rest: AsyncIterator[bytes], receiver: _Receiver
) -> None:
    """Parse the body chunk by chunk; parsing and disk writes run off the event loop."""
    header: dict[str, bytes] = {"name": b"", "value": b"", "disposition": b""}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if header["name"].lower() == b"content-disposition":
            header["disposition"] = header["value"]
        header["name"] = header["value"] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(header["disposition"])
        header["disposition"] = b""
        sent = options.get(b"filename")
        receiver.begin(
            options.get(b"name", b"").decode("utf-8", errors="replace"),
            None if sent is None else sent.decode("utf-8", errors="replace"),
        )

    def on_part_data(data: bytes, start: int, end: int) -> None:
        receiver.data(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": receiver.end,
        },
    )
    await run_in_threadpool(parser.write, first)
    async for chunk in rest:
        await run_in_threadpool(parser.write, chunk)


async def _from_parsed_form(request: Request, receiver: _Receiver) -> None:
    """Copy a form Starlette already spooled (same limits, checked while copying)."""
    form = await request.form()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            await run_in_threadpool(receiver.begin, name, value.filename)
            while chunk := await value.read(READ_CHUNK):
                await run_in_threadpool(receiver.data, chunk)
        else:
            receiver.begin(name, None)
            receiver.data(value.encode("utf-8"))
        await run_in_threadpool(receiver.end)
