"""The database side of an ingest run: `ingest.store.BatchStore` over SQLModel sessions."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy.engine import Engine

from ingest.types import BatchReport, FileRecord, PageOutcome
from records import crud
from records.db import session_scope
from records.linking import link_batch
from records.models import BatchStatus, PageStatus


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

    def add_file(self, record: FileRecord) -> int:
        with session_scope(self.engine) as session:
            source = crud.add_source_file(session, **asdict(record))
            assert source.id is not None
            return source.id

    def add_page(self, *, batch_id: int, outcome: PageOutcome) -> None:
        with session_scope(self.engine) as session:
            crud.record_page(
                session,
                batch_id=batch_id,
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

    def finish_batch(self, *, batch_id: int, report: BatchReport) -> None:
        with session_scope(self.engine) as session:
            link_batch(session, batch_id=batch_id)
            crud.finish_batch(
                session,
                batch_id=batch_id,
                status=BatchStatus.interrupted if report.interrupted else BatchStatus.done,
                files_total=len(report.files),
                files_ingested=report.count("ingested"),
                files_duplicate=report.count("duplicate"),
                files_failed=report.count("failed"),
                pages_total=sum(report.pages_by_form.values()) + report.pages_failed,
                pages_failed=report.pages_failed,
            )
