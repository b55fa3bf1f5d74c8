"""The database side of pages analysed by queue workers (`api/task_queue.py`).

A worker stores its page in one transaction, at most once per (file, page): the unique
constraint on `page (file_id, page_no)` decides between two workers that analysed the same
page (a redelivered message), and the loser's transaction is dropped whole. Whoever stores
the last page of a batch then closes it — links its pages, counts them, marks it done — in a
second transaction that starts with a conditional UPDATE, so exactly one closer wins. The
producer sends the page jobs only after every file of the batch is checked, so the pages a
batch expects are the pages its stored files counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ingest.types import PageOutcome
from records import crud
from records.batch_store import DatabaseBatchStore
from records.db import session_scope
from records.duplicates import mark_duplicate_pages
from records.linking import link_batch
from records.models import Batch, BatchStatus, FileStatus, Page, PageStatus, SourceFile, utcnow


@dataclass(frozen=True)
class BatchCounts:
    """A batch's files and pages by status, counted from its rows (live while it runs)."""

    files: dict[str, int]
    pages: dict[str, int]
    pages_planned: int  # pages of the files checked so far

    def file_count(self, status: FileStatus) -> int:
        return self.files.get(status, 0)

    def page_count(self, status: PageStatus) -> int:
        return self.pages.get(status, 0)

    @property
    def pages_stored(self) -> int:
        return sum(self.pages.values())


def batch_counts(session: Session, *, batch_id: int) -> BatchCounts:
    """Count a batch's files and pages as stored so far."""
    files = session.exec(
        select(SourceFile.status, func.count(), func.sum(SourceFile.pages))
        .where(SourceFile.batch_id == batch_id)
        .group_by(SourceFile.status)
    ).all()
    pages = session.exec(
        select(Page.status, func.count()).where(Page.batch_id == batch_id).group_by(Page.status)
    ).all()
    return BatchCounts(
        files={str(status): int(n) for status, n, _ in files},
        pages={str(status): int(n) for status, n in pages},
        pages_planned=sum(int(planned or 0) for _, _, planned in files),
    )


def page_stored(engine: Engine, *, file_id: int, page_no: int) -> bool:
    """Whether a page already has its row (then its job has nothing left to analyse)."""
    with Session(engine) as session:
        found = session.exec(
            select(Page.id).where(Page.file_id == file_id, Page.page_no == page_no)
        ).first()
        return found is not None


def store_page_once(engine: Engine, *, batch_id: int, outcome: PageOutcome) -> bool:
    """Store a page and its fields in one transaction unless the page is there; False when
    it was there before (two deliveries racing may both answer True: one row either way)."""
    if page_stored(engine, file_id=outcome.file_id, page_no=outcome.page_no):
        return False
    try:
        DatabaseBatchStore(engine).add_page(batch_id=batch_id, outcome=outcome)
    except IntegrityError:
        if page_stored(engine, file_id=outcome.file_id, page_no=outcome.page_no):
            return False  # another delivery of the same job stored it first
        raise
    return True


# A batch a killed run left `interrupted` is closed too once a resumed run's pages are in.
_OPEN = (BatchStatus.running, BatchStatus.interrupted)


def finish_if_complete(engine: Engine, *, batch_id: int) -> bool:
    """Close an open batch whose every planned page is stored: link it, count it, mark it
    done. True only for the one caller that closed it."""
    with session_scope(engine) as session:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status not in _OPEN:
            return False
        counts = batch_counts(session, batch_id=batch_id)
        if counts.pages_stored < counts.pages_planned:
            return False
        claimed = session.connection().execute(
            update(Batch)
            .where(col(Batch.id) == batch_id, col(Batch.status).in_(_OPEN))
            .values(status=BatchStatus.done, finished_at=utcnow())
        )
        if claimed.rowcount != 1:
            return False  # another worker is closing it
        # As an in-process run closes a batch (records/batch_store.py): link, mark repeats.
        link_batch(session, batch_id=batch_id)
        mark_duplicate_pages(session, batch_id=batch_id)
        counts = batch_counts(session, batch_id=batch_id)  # duplicates marked now
        crud.finish_batch(
            session,
            batch_id=batch_id,
            status=BatchStatus.done,
            files_total=sum(counts.files.values()),
            files_ingested=counts.file_count(FileStatus.ingested),
            files_duplicate=counts.file_count(FileStatus.duplicate),
            files_failed=counts.file_count(FileStatus.failed),
            pages_total=counts.pages_stored,
            pages_failed=counts.page_count(PageStatus.failed),
        )
        return True


def batch_state(engine: Engine, *, batch_id: int) -> tuple[BatchStatus, BatchCounts]:
    """A batch's status and counts, for a producer waiting on its workers."""
    with Session(engine) as session:
        batch = session.get_one(Batch, batch_id)
        return batch.status, batch_counts(session, batch_id=batch_id)


def pages_by_form(engine: Engine, *, batch_id: int) -> dict[str, int]:
    """A batch's analysed pages (failed ones aside) by form."""
    with Session(engine) as session:
        rows = session.exec(
            select(Page.form, func.count())
            .where(Page.batch_id == batch_id, Page.status != PageStatus.failed)
            .group_by(Page.form)
        ).all()
        return {str(form): int(n) for form, n in rows}
