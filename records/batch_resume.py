"""What an interrupted batch left behind: files stored with pages missing, and the counts a
batch is closed with, taken from its rows (so a resumed batch counts what it holds)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from ingest.types import FileReport, KnownFile
from records.models import Batch, BatchStatus, FileStatus, Page, PageStatus, SourceFile


def stored_page_numbers(session: Session, *, file_id: int) -> set[int]:
    return set(session.exec(select(Page.page_no).where(col(Page.file_id) == file_id)).all())


def known_file(session: Session, *, sha256: str) -> KnownFile | None:
    """The ingested file with this content, and its pages that have no row yet."""
    source = session.exec(
        select(SourceFile).where(
            SourceFile.sha256 == sha256, SourceFile.status == FileStatus.ingested
        )
    ).first()
    if source is None or source.id is None:
        return None
    stored = stored_page_numbers(session, file_id=source.id)
    missing = tuple(n for n in range(1, source.pages + 1) if n not in stored)
    return KnownFile(
        file_id=source.id,
        batch_id=source.batch_id,
        pages=source.pages,
        kind=str(source.kind or ""),
        stored_path=source.stored_path or "",
        missing_pages=missing,
    )


def batch_file(session: Session, *, batch_id: int, name: str, sha256: str) -> FileReport | None:
    """The batch's row for a file of this name and content (sha256 "" for a file that failed
    before it was read), as the report shows it; None when the batch has none."""
    source = session.exec(
        select(SourceFile)
        .where(
            SourceFile.batch_id == batch_id,
            SourceFile.original_name == name,
            SourceFile.sha256 == sha256,
        )
        .order_by(col(SourceFile.id))
    ).first()
    if source is None:
        return None
    status = str(source.status)
    if source.status == FileStatus.ingested:
        return FileReport(name, status, source.pages, None, None, sha256, source.id)
    if source.status == FileStatus.duplicate:
        message = f"{name}: already ingested (same content as file {source.duplicate_of}); skipped"
        return FileReport(name, status, 0, None, message, sha256, None, source.duplicate_of)
    return FileReport(name, status, 0, source.error_code, source.error_message, sha256 or None)


@dataclass(frozen=True)
class BatchTotals:
    """A batch's files by status, its pages stored and failed, and pages still missing."""

    files: dict[str, int]
    pages: int
    pages_failed: int
    pages_missing: int

    def files_with(self, status: FileStatus) -> int:
        return self.files.get(str(status), 0)


def batch_totals(session: Session, *, batch_id: int) -> BatchTotals:
    files = session.exec(
        select(SourceFile.status, func.count(), func.coalesce(func.sum(SourceFile.pages), 0))
        .where(SourceFile.batch_id == batch_id)
        .group_by(SourceFile.status)
    ).all()
    by_status = {str(status): int(n) for status, n, _ in files}
    planned = sum(int(p) for status, _, p in files if status == FileStatus.ingested)
    pages = session.exec(
        select(Page.status, func.count()).where(Page.batch_id == batch_id).group_by(Page.status)
    ).all()
    stored = sum(int(n) for _, n in pages)
    failed = sum(int(n) for status, n in pages if status == PageStatus.failed)
    # Pages of this batch's files that live in it: a resumed file's pages join its batch.
    own_pages = session.exec(
        select(func.count())
        .select_from(Page)
        .join(SourceFile, col(Page.file_id) == col(SourceFile.id))
        .where(SourceFile.batch_id == batch_id, SourceFile.status == FileStatus.ingested)
    ).one()
    return BatchTotals(
        files=by_status,
        pages=stored,
        pages_failed=failed,
        pages_missing=max(0, planned - int(own_pages)),
    )


def unfinished_batches(session: Session) -> list[Batch]:
    """Batches not closed as done (running, or closed as interrupted), oldest first."""
    return list(
        session.exec(
            select(Batch)
            .where(col(Batch.status).in_([BatchStatus.running, BatchStatus.interrupted]))
            .order_by(col(Batch.id))
        ).all()
    )


def batches_holding(session: Session, *, sha256s: set[str]) -> set[int]:
    """Batches with a file row of any of these contents."""
    if not sha256s:
        return set()
    rows = session.exec(
        select(SourceFile.batch_id).where(col(SourceFile.sha256).in_(sha256s)).distinct()
    ).all()
    return {int(b) for b in rows}
