"""The database side of an ingest run: `ingest.store.BatchStore` over SQLModel sessions."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ingest.types import BatchReport, FileRecord, FileReport, KnownFile, PageOutcome
from records import batch_resume, crud
from records.db import session_scope
from records.duplicates import mark_duplicate_pages
from records.linking import link_batch
from records.models import BatchStatus, FileStatus, Page, PageStatus, SourceFile


class DatabaseBatchStore:
    """Writes a batch, its files and its pages; each call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start_batch(self, *, name: str, received_date: date | None) -> int:
        with session_scope(self.engine) as session:
            batch = crud.create_batch(session, name=name, received_date=received_date)
            assert batch.id is not None
            return batch.id

    def ingested_file_id(self, *, sha256: str) -> int | None:
        with session_scope(self.engine) as session:
            found = crud.find_ingested_file(session, sha256=sha256)
            return found.id if found else None

    def known_file(self, *, sha256: str) -> KnownFile | None:
        with session_scope(self.engine) as session:
            return batch_resume.known_file(session, sha256=sha256)

    def batch_file(self, *, batch_id: int, name: str, sha256: str) -> FileReport | None:
        with session_scope(self.engine) as session:
            return batch_resume.batch_file(session, batch_id=batch_id, name=name, sha256=sha256)

    def add_file(self, record: FileRecord) -> int:
        with session_scope(self.engine) as session:
            source = crud.add_source_file(session, **asdict(record))
            assert source.id is not None
            return source.id

    def add_page(self, *, batch_id: int, outcome: PageOutcome) -> None:
        """The page and its fields in one transaction, in the batch of its file; a page that
        is already stored (a resumed run racing another) is left as it is."""
        del batch_id  # a page belongs to its file's batch (a resumed file's may be older)
        with session_scope(self.engine) as session:
            source = session.get_one(SourceFile, outcome.file_id)
            if session.exec(
                select(Page.id).where(
                    Page.file_id == outcome.file_id, Page.page_no == outcome.page_no
                )
            ).first():
                return
            page = crud.record_page(
                session,
                batch_id=source.batch_id,
                file_id=outcome.file_id,
                page_no=outcome.page_no,
                status=PageStatus.needs_review if outcome.ok else PageStatus.failed,
                form=outcome.form,
                rotation=outcome.rotation,
                image_path=outcome.image_rel,
                width=outcome.width,
                height=outcome.height,
                source_size=(outcome.source_width, outcome.source_height),
                transform=outcome.transform,
                # Reason codes go to notes, where the UI translates them.
                notes=outcome.notes if outcome.ok else (*outcome.notes, outcome.error_code or ""),
                error=outcome.error_message,
                boxes=outcome.fields,
                readings=outcome.readings,
                card_code=outcome.card_code,
            )
            page.image_hash = outcome.image_hash

    def finish_batch(self, *, batch_id: int, report: BatchReport) -> None:
        """Link, mark pages found twice (into ``report.duplicate_pages``) and close the batch
        with counts taken from its rows; batches whose missing pages this run stored too."""
        for other in sorted(report.resumed_batches - {batch_id}):
            with session_scope(self.engine) as session:
                link_batch(session, batch_id=other)
                mark_duplicate_pages(session, batch_id=other)
                _close(session, other, interrupted=False)
        with session_scope(self.engine) as session:
            link_batch(session, batch_id=batch_id)
            report.duplicate_pages = mark_duplicate_pages(session, batch_id=batch_id)
            _close(session, batch_id, interrupted=report.interrupted)


def _close(session: Session, batch_id: int, *, interrupted: bool) -> None:
    """Status done, or interrupted when the run stopped or pages are still missing."""
    totals = batch_resume.batch_totals(session, batch_id=batch_id)
    done = not interrupted and totals.pages_missing == 0
    crud.finish_batch(
        session,
        batch_id=batch_id,
        status=BatchStatus.done if done else BatchStatus.interrupted,
        files_total=sum(totals.files.values()),
        files_ingested=totals.files_with(FileStatus.ingested),
        files_duplicate=totals.files_with(FileStatus.duplicate),
        files_failed=totals.files_with(FileStatus.failed),
        pages_total=totals.pages,
        pages_failed=totals.pages_failed,
    )
