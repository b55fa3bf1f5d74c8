"""Uploaded batches ingested in the background, one after another, by one thread per app.

The thread is started on the first upload and runs the same code as `cardscan ingest`
(`ingest_options` + `run_batch` into a `DatabaseBatchStore`); the uploaded copies are
deleted once ingest has stored what it keeps.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import date

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api.ingest_command import ingest_options
from api.settings import Settings
from api.task_queue import RedisPageQueue, queue_in_use
from api.uploads import Upload
from ingest.batch import run_batch
from ingest.batch_plan import write_plan
from records import crud
from records.batch_store import DatabaseBatchStore
from records.db import session_scope
from records.models import Batch, BatchStatus, FileStatus, PageStatus
from records.page_jobs import batch_counts

log = logging.getLogger(__name__)
_runner_lock = threading.Lock()


@dataclass(frozen=True)
class IngestJob:
    """An uploaded batch waiting for ingest: its row already exists (status running)."""

    batch_id: int
    name: str
    received_date: date | None
    upload: Upload


class IngestRunner:
    """A queue of uploaded batches and the one worker thread that ingests them in order."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self._jobs: queue.Queue[IngestJob] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: IngestJob) -> None:
        """Queue a batch; start the worker thread if it is not running yet. The batch's plan
        (its files) is written first: a server stopped before it gets to the batch leaves
        what `cardscan serve` at its next start ingests (api/resume.py)."""
        files = job.upload.files
        write_plan(self.settings.storage_root, job.batch_id, [f.path for f in files],
                   {f.path: f.name for f in files})  # fmt: skip
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="cardscan-ingest", daemon=True
                )
                self._thread.start()
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                self.ingest(job)
            finally:
                self._jobs.task_done()

    def ingest(self, job: IngestJob) -> None:
        """Ingest one uploaded batch; an unexpected failure marks it interrupted."""
        files = job.upload.files
        try:
            run_batch(
                [f.path for f in files],
                options=ingest_options(self.settings, received_date=job.received_date),
                store=DatabaseBatchStore(self.engine),
                name=job.name,
                received_date=job.received_date,
                batch_id=job.batch_id,
                display_names={f.path: f.name for f in files},
                # With Redis, queue workers analyse the pages and close the batch.
                page_queue=(
                    RedisPageQueue(self.settings, self.engine)
                    if queue_in_use(self.settings)
                    else None
                ),
            )
        except Exception as e:  # one broken batch must not stop the thread for the next ones
            # Exception messages may name files; the log keeps ids and types only.
            log.error("batch %d: ingest stopped by %s", job.batch_id, type(e).__name__)
            mark_interrupted(self.engine, batch_id=job.batch_id)
            return  # the uploaded files stay for `cardscan batch resume`
        job.upload.discard()


def runner_for(app: FastAPI) -> IngestRunner:
    """The app's ingest runner, created on first use."""
    with _runner_lock:
        runner: IngestRunner | None = getattr(app.state, "ingest_runner", None)
        if runner is None:
            runner = IngestRunner(app.state.settings, app.state.engine)
            app.state.ingest_runner = runner
        return runner


def mark_interrupted(engine: Engine, *, batch_id: int) -> None:
    """Close a batch whose run failed, with the counts of what it did store."""
    try:
        with session_scope(engine) as session:
            if session.get(Batch, batch_id) is None:
                return
            counts = batch_counts(session, batch_id=batch_id)
            crud.finish_batch(
                session,
                batch_id=batch_id,
                status=BatchStatus.interrupted,
                files_total=sum(counts.files.values()),
                files_ingested=counts.file_count(FileStatus.ingested),
                files_duplicate=counts.file_count(FileStatus.duplicate),
                files_failed=counts.file_count(FileStatus.failed),
                pages_total=sum(counts.pages.values()),
                pages_failed=counts.page_count(PageStatus.failed),
            )
    except Exception as e:  # the database itself may be what failed
        log.error("batch %d: could not be marked interrupted (%s)", batch_id, type(e).__name__)
