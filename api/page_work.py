"""Analysing and storing one page from the queue, as a worker does it (no broker needed:
`api/page_actor.py` wraps these in Dramatiq actors).

A page already stored is not analysed again (a redelivery), and two deliveries racing store
it once (`records/page_jobs.py`); its image is in storage before the row that names it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from api.settings import Settings, load_settings
from ingest.queue import PageMessage, to_job
from ingest.storage import LocalStorage, Storage, remove_stale_scratch, scratch_dir
from ingest.types import PageOutcome
from ingest.worker import run_page_job
from records.db import init_db, make_engine
from records.models import SourceFile
from records.page_jobs import finish_if_complete, page_stored, store_page_once

log = logging.getLogger(__name__)

TRANSIENT_RETRIES = 20  # database or storage away: up to ~15 min of backoff
OTHER_RETRIES = 2  # anything else (a bug): twice more, then the page is stored as failed
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000
PAGE_TIME_LIMIT_MS = 15 * 60 * 1000
WORKER_FAILED = "worker_failed"


@dataclass(frozen=True)
class WorkerContext:
    """One worker process's database and storage, made on first use (after the fork)."""

    settings: Settings
    engine: Engine
    storage: Storage


@cache
def worker_context() -> WorkerContext:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    remove_stale_scratch()  # left by a worker killed on this machine
    return WorkerContext(settings, engine, LocalStorage(settings.storage_root))


def is_transient(error: BaseException) -> bool:
    """Failures that go away by themselves: the database or the storage unreachable, busy or
    restarting, a lock timeout."""
    if isinstance(error, OperationalError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (ConnectionError, TimeoutError, OSError))


def retry_when(retries: int, error: BaseException) -> bool:
    """Dramatiq's retry predicate (backoff from 1 s doubling to 60 s)."""
    return retries < (TRANSIENT_RETRIES if is_transient(error) else OTHER_RETRIES)


def process_page(message: PageMessage, *, engine: Engine, storage: Storage) -> bool:
    """Analyse and store one page unless it is stored already, then close its batch if that
    was the last page. True when this call stored the page."""
    stored = False
    if not page_stored(engine, file_id=message.file_id, page_no=message.page_no):
        with Session(engine) as session:
            source_file = session.get_one(SourceFile, message.file_id)
            file_name = source_file.original_name
        image_key = PurePosixPath(message.image_key)
        with storage.local_path(message.source_key) as source, scratch_dir() as scratch:
            job = to_job(
                message, file_name=file_name, source=source, image_out=scratch / image_key.name
            )
            outcome = run_page_job(job)
            # The image (and debug images) are in storage before the row that names them.
            for produced in sorted(scratch.glob("*.png")):
                storage.put_file(str(image_key.with_name(produced.name)), produced)
        stored = store_page_once(engine, batch_id=message.batch_id, outcome=outcome)
    finish_if_complete(engine, batch_id=message.batch_id)
    return stored


def give_up_page(message: PageMessage, *, engine: Engine) -> None:
    """Store a page whose job kept failing as a failed page, so its batch still closes."""
    outcome = PageOutcome(
        file_id=message.file_id,
        page_no=message.page_no,
        ok=False,
        error_code=WORKER_FAILED,
        error_message=f"page {message.page_no}: the queue worker failed on it repeatedly; "
        "ingest the file again",
    )
    store_page_once(engine, batch_id=message.batch_id, outcome=outcome)
    finish_if_complete(engine, batch_id=message.batch_id)


