"""Data functions: the one module that creates and changes rows (keyword-only arguments)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from ocr.recognize import FieldReading
from records.models import (
    Batch,
    BatchPublic,
    BatchStatus,
    Field,
    FieldPublic,
    FileKind,
    FileStatus,
    Page,
    PageDetail,
    PagePublic,
    PageStatus,
    SourceFile,
    utcnow,
)

# --- batches -----------------------------------------------------------------------------


def create_batch(session: Session, *, name: str, received_date: date | None = None) -> Batch:
    """A new batch in status `running`."""
    batch = Batch(name=name, received_date=received_date)
    session.add(batch)
    session.flush()
    return batch


def finish_batch(
    session: Session,
    *,
    batch_id: int,
    status: BatchStatus,
    files_total: int,
    files_ingested: int,
    files_duplicate: int,
    files_failed: int,
    pages_total: int,
    pages_failed: int,
) -> Batch:
    """Close a batch with its final status and counts."""
    batch = session.get_one(Batch, batch_id)
    batch.status = status
    batch.finished_at = utcnow()
    batch.files_total = files_total
    batch.files_ingested = files_ingested
    batch.files_duplicate = files_duplicate
    batch.files_failed = files_failed
    batch.pages_total = pages_total
    batch.pages_failed = pages_failed
    session.add(batch)
    return batch


def list_batches(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[Batch], int]:
    """Newest batches first, and how many there are in all."""
    total = session.exec(select(func.count()).select_from(Batch)).one()
    rows = session.exec(
        select(Batch).order_by(col(Batch.id).desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)


def batch_public(batch: Batch) -> BatchPublic:
    return BatchPublic.model_validate(batch, from_attributes=True)


# --- source files ------------------------------------------------------------------------


def find_ingested_file(session: Session, *, sha256: str) -> SourceFile | None:
    """The stored file with this content, if any (duplicates and failures do not count)."""
    return session.exec(
        select(SourceFile).where(
            SourceFile.sha256 == sha256, SourceFile.status == FileStatus.ingested
        )
    ).first()


def add_source_file(
    session: Session,
    *,
    batch_id: int,
    original_name: str,
    sha256: str,
    size: int,
    kind: str | None,
    status: str,
    pages: int,
    stored_path: str | None,
    error_code: str | None = None,
    error_message: str | None = None,
    duplicate_of: int | None = None,
) -> SourceFile:
    """Record one input file of a batch, whatever became of it."""
    source = SourceFile(
        batch_id=batch_id,
        original_name=original_name,
        sha256=sha256,
        size=size,
        kind=FileKind(kind) if kind else None,
        status=FileStatus(status),
        pages=pages,
        stored_path=stored_path,
        error_code=error_code,
        error_message=error_message,
        duplicate_of=duplicate_of,
    )
    session.add(source)
    session.flush()
    return source


# --- pages and fields --------------------------------------------------------------------


def record_page(
    session: Session,
    *,
    batch_id: int,
    file_id: int,
    page_no: int,
    status: PageStatus,
    form: str,
    rotation: int,
    image_path: str | None,
    width: int | None,
    height: int | None,
    source_size: tuple[int | None, int | None] = (None, None),
    transform: Sequence[Sequence[float]] | None,
    notes: Sequence[str],
    error: str | None,
    boxes: Mapping[str, Sequence[int]],
    readings: Mapping[str, FieldReading] | None = None,
    card_code: str | None = None,
) -> Page:
    """Store a page and one field row per found cell with what recognition made of it."""
    page = Page(
        batch_id=batch_id,
        file_id=file_id,
        page_no=page_no,
        status=status,
        form=form,
        rotation=rotation,
        image_path=image_path,
        width=width,
        height=height,
        source_width=source_size[0],
        source_height=source_size[1],
        transform=[list(row) for row in transform] if transform else None,
        notes=list(notes),
        error=error,
        card_code=card_code,
    )
    session.add(page)
    session.flush()
    assert page.id is not None
    readings = readings or {}
    for key, box in boxes.items():
        field = Field(page_id=page.id, key=key, bbox=[int(v) for v in box])
        reading = readings.get(key)
        if reading is not None:
            field.value = reading.value
            field.raw = reading.raw
            field.confidence = reading.confidence
            field.ocr_confidence = reading.ocr_confidence
            field.needs_review = reading.needs_review
            field.engine = reading.engine
            field.note = reading.note
        session.add(field)
    return page


def _page_public(page: Page, source: SourceFile) -> PagePublic:
    data: dict[str, Any] = page.model_dump()
    data.update(file_name=source.original_name, sha256=source.sha256)
    data["has_image"] = page.image_path is not None
    return PagePublic.model_validate(data)


def list_pages(
    session: Session,
    *,
    offset: int = 0,
    limit: int = 50,
    batch_id: int | None = None,
    status: PageStatus | None = None,
    form: str | None = None,
    committee: str | None = None,
) -> tuple[list[PagePublic], int]:
    """Pages in file and page order, filtered (``committee``: only that committee's), with
    the total count of the filter."""
    query = select(Page, SourceFile).join(SourceFile, col(Page.file_id) == col(SourceFile.id))
    count = select(func.count()).select_from(Page)
    if batch_id is not None:
        query = query.where(Page.batch_id == batch_id)
        count = count.where(Page.batch_id == batch_id)
    if status is not None:
        query = query.where(Page.status == status)
        count = count.where(Page.status == status)
    if form is not None:
        query = query.where(Page.form == form)
        count = count.where(Page.form == form)
    if committee is not None:
        query = query.where(Page.committee == committee)
        count = count.where(Page.committee == committee)
    query = query.order_by(col(Page.file_id), col(Page.page_no)).offset(offset).limit(limit)
    rows = session.exec(query).all()
    return [_page_public(page, source) for page, source in rows], int(session.exec(count).one())


def get_page(session: Session, *, page_id: int) -> Page | None:
    return session.get(Page, page_id)


def get_page_detail(session: Session, *, page_id: int) -> PageDetail | None:
    """A page with its source file and all its fields, for the review screen."""
    page = session.get(Page, page_id)
    if page is None:
        return None
    source = session.get_one(SourceFile, page.file_id)
    public = _page_public(page, source)
    fields = session.exec(
        select(Field).where(Field.page_id == page_id).order_by(col(Field.id))
    ).all()
    return PageDetail(
        **public.model_dump(),
        fields=[FieldPublic.model_validate(f, from_attributes=True) for f in fields],
    )


def iter_pages_with_fields(
    session: Session,
    *,
    batch_id: int | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> Iterator[tuple[Page, SourceFile, list[Field]]]:
    """Every page (of a batch, or matching ``where``) with its file and fields, in file and
    page order (for export)."""
    query = select(Page, SourceFile).join(SourceFile, col(Page.file_id) == col(SourceFile.id))
    if batch_id is not None:
        query = query.where(Page.batch_id == batch_id)
    query = query.where(*where)
    query = query.order_by(col(Page.file_id), col(Page.page_no))
    for page, source in session.exec(query).all():
        fields = session.exec(select(Field).where(Field.page_id == page.id)).all()
        yield page, source, list(fields)


def count_pages_by(session: Session) -> dict[tuple[str, str], int]:
    """Page counts keyed by (form, status), for summaries."""
    rows = session.exec(
        select(Page.form, Page.status, func.count()).group_by(Page.form, Page.status)
    ).all()
    return {(form, str(status)): int(n) for form, status, n in rows}
