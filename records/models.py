"""SQLModel tables: a batch of scanned files, its source files, their pages and field cells.

Each entity is stacked as `XBase` (shared columns), `X(table=True)` and `XPublic` (what the
API shows), so internal columns such as stored paths never leak.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlmodel as sm
from sqlalchemy import JSON, Column, Index, UniqueConstraint, text


def utcnow() -> datetime:
    """Timezone-aware now, the timestamp of every row."""
    return datetime.now(UTC)


class BatchStatus(StrEnum):
    running = "running"
    done = "done"
    interrupted = "interrupted"


class FileKind(StrEnum):
    pdf = "pdf"
    jpeg = "jpeg"
    png = "png"
    tiff = "tiff"


class FileStatus(StrEnum):
    ingested = "ingested"
    duplicate = "duplicate"
    failed = "failed"


class PageStatus(StrEnum):
    needs_review = "needs_review"
    confirmed = "confirmed"
    rejected = "rejected"
    duplicate = "duplicate"
    failed = "failed"


# --- Batch -------------------------------------------------------------------------------


class BatchBase(sm.SQLModel):
    name: str
    received_date: date | None = None


class Batch(BatchBase, table=True):
    id: int | None = sm.Field(default=None, primary_key=True)
    created_at: datetime = sm.Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: BatchStatus = BatchStatus.running
    files_total: int = 0
    files_ingested: int = 0
    files_duplicate: int = 0
    files_failed: int = 0
    pages_total: int = 0
    pages_failed: int = 0


class BatchPublic(BatchBase):
    id: int
    created_at: datetime
    finished_at: datetime | None
    status: BatchStatus
    files_total: int
    files_ingested: int
    files_duplicate: int
    files_failed: int
    pages_total: int
    pages_failed: int


# --- SourceFile --------------------------------------------------------------------------


class SourceFileBase(sm.SQLModel):
    original_name: str
    sha256: str = sm.Field(index=True)
    size: int
    kind: FileKind | None = None
    status: FileStatus
    pages: int = 0
    error_code: str | None = None
    error_message: str | None = None


class SourceFile(SourceFileBase, table=True):
    __tablename__ = "source_file"
    __table_args__ = (
        # A file's content is stored once: only one *ingested* row per sha256.
        Index(
            "uq_source_file_sha256_ingested",
            "sha256",
            unique=True,
            sqlite_where=text("status = 'ingested'"),
            postgresql_where=text("status = 'ingested'"),
        ),
    )

    id: int | None = sm.Field(default=None, primary_key=True)
    batch_id: int = sm.Field(foreign_key="batch.id", index=True)
    stored_path: str | None = None
    duplicate_of: int | None = sm.Field(default=None, foreign_key="source_file.id")
    created_at: datetime = sm.Field(default_factory=utcnow)


class SourceFilePublic(SourceFileBase):
    id: int
    batch_id: int
    duplicate_of: int | None


# --- Member (the roster, per year) -------------------------------------------------------


class MemberBase(sm.SQLModel):
    year: int = sm.Field(index=True)
    code: str
    name: str
    sector: str | None = None
    committee: str | None = None
    phone: str | None = None
    standing: bool = False


class Member(MemberBase, table=True):
    """A CPPCC member on the roster of one year (term): members change between years."""

    __table_args__ = (UniqueConstraint("year", "code", name="uq_member_year_code"),)

    id: int | None = sm.Field(default=None, primary_key=True)
    created_at: datetime = sm.Field(default_factory=utcnow)
    updated_at: datetime = sm.Field(default_factory=utcnow)


class MemberPublic(MemberBase):
    id: int


# --- Page --------------------------------------------------------------------------------


class PageBase(sm.SQLModel):
    page_no: int
    status: PageStatus
    form: str = "unknown"
    rotation: int = 0
    width: int | None = None
    height: int | None = None
    # Size of the scan as analyzed (PDF pages as rendered), which `transform` maps from.
    source_width: int | None = None
    source_height: int | None = None
    error: str | None = None
    # Identity: the QR card code when one was read, and the member/contact it links to.
    card_code: str | None = None
    year: int | None = None
    member_id: int | None = sm.Field(default=None, foreign_key="member.id", index=True)
    contact_no: int | None = None
    link_source: str | None = None  # code | handwriting | reviewer
    # The 政协工委 the page belongs to (its member's, else as written): scopes committee staff.
    committee: str | None = sm.Field(default=None, index=True)
    # Bumped by every review action: a change sent for an older version is refused.
    version: int = sm.Field(default=0, sa_column_kwargs={"server_default": "0"})


class Page(PageBase, table=True):
    __table_args__ = (UniqueConstraint("file_id", "page_no", name="uq_page_file_page_no"),)

    id: int | None = sm.Field(default=None, primary_key=True)
    file_id: int = sm.Field(foreign_key="source_file.id", index=True)
    batch_id: int = sm.Field(foreign_key="batch.id", index=True)
    image_path: str | None = None
    transform: list[list[float]] | None = sm.Field(default=None, sa_column=Column(JSON))
    notes: list[str] = sm.Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = sm.Field(default_factory=utcnow)
    updated_at: datetime = sm.Field(default_factory=utcnow)
    # Who is reviewing the page right now (records/claims.py; a claim lapses after a while).
    claimed_by: int | None = sm.Field(default=None, foreign_key="user.id")
    claimed_at: datetime | None = None
    # Signature of the straightened page (ocr/page_hash.py): the same page in another file.
    image_hash: str | None = None


class PagePublic(PageBase):
    id: int
    file_id: int
    batch_id: int
    file_name: str
    sha256: str
    notes: list[str]
    has_image: bool


# --- Field -------------------------------------------------------------------------------


class FieldBase(sm.SQLModel):
    key: str
    bbox: list[int] | None = sm.Field(default=None, sa_column=Column(JSON))
    value: Any = sm.Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    raw: str | None = None
    confidence: float = 0.0
    needs_review: bool = True
    engine: str | None = None
    # The engine's own score, kept apart so confidence can be recomputed (e.g. at linking).
    ocr_confidence: float | None = None
    note: str | None = None


class Field(FieldBase, table=True):
    """One cell of a form on one page: its box, and once recognized, its value."""

    __table_args__ = (UniqueConstraint("page_id", "key", name="uq_field_page_key"),)

    id: int | None = sm.Field(default=None, primary_key=True)
    page_id: int = sm.Field(foreign_key="page.id", index=True)


class FieldPublic(FieldBase):
    id: int
    page_id: int


class PageDetail(PagePublic):
    fields: list[FieldPublic]
