"""Queue page jobs against the database alone (no broker): each page stored once however
often its job runs, the batch closed exactly once by whoever stores its last page."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from api.ingest_command import ingest_options
from api.page_work import give_up_page, is_transient, process_page, retry_when
from api.settings import Settings
from ingest.batch import run_batch
from ingest.queue import PageMessage, to_message
from ingest.storage import LocalStorage
from ingest.types import PageJob
from records.batch_store import DatabaseBatchStore
from records.db import init_db, make_engine
from records.models import Batch, BatchStatus, Field, Page, PageStatus
from records.page_jobs import finish_if_complete, store_page_once
from tests.conftest import Scans


class CollectingQueue:
    """A `PageQueue` that keeps the jobs, for the test to run them by hand."""

    def __init__(self) -> None:
        self.jobs: list[PageJob] = []

    def submit(self, *, batch_id: int, jobs: Sequence[PageJob]) -> None:
        del batch_id
        self.jobs.extend(jobs)


@pytest.fixture
def planned(settings: Settings, scans: Scans) -> tuple[Engine, int, list[PageMessage]]:
    engine = make_engine(settings.database_url)
    init_db(engine)
    queue = CollectingQueue()
    report = run_batch(
        [scans.folder],
        options=ingest_options(settings),
        store=DatabaseBatchStore(engine),
        name="queued",
        page_queue=queue,
    )
    messages = [to_message(j, storage_root=settings.storage_root) for j in queue.jobs]
    return engine, report.batch_id, messages


def _pages(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Page)).one())


def _batch(engine: Engine, batch_id: int) -> Batch:
    with Session(engine) as session:
        return session.get_one(Batch, batch_id)


def test_messages_carry_keys_not_paths_or_names(
    planned: tuple[Engine, int, list[PageMessage]], scans: Scans
) -> None:
    _, _, messages = planned
    assert len(messages) == sum(scans.pages.values()) == 7
    for message in messages:
        assert message.source_key.startswith("files/") and not message.source_key.startswith("/")
        assert message.image_key.startswith("pages/")
        text = str(message.as_json())
        assert not any(name in text for name in scans.pages)  # file names stay out of Redis
        assert PageMessage.from_json(message.as_json()) == message


def test_every_job_run_twice_stores_each_page_once_and_closes_the_batch_once(
    planned: tuple[Engine, int, list[PageMessage]], settings: Settings
) -> None:
    engine, batch_id, messages = planned
    storage = LocalStorage(settings.storage_root)
    assert _batch(engine, batch_id).status == BatchStatus.running  # the queue closes it
    stored = [process_page(m, engine=engine, storage=storage) for m in messages]
    assert stored == [True] * 7
    batch = _batch(engine, batch_id)
    assert (batch.status, batch.pages_total, batch.files_ingested) == (BatchStatus.done, 7, 4)
    fields = _field_count(engine)
    again = [process_page(m, engine=engine, storage=storage) for m in messages]
    assert again == [False] * 7
    assert _pages(engine) == 7 and _field_count(engine) == fields
    assert _batch(engine, batch_id).finished_at == batch.finished_at  # not closed twice
    for message in messages:
        assert storage.exists(message.image_key)


def _field_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Field)).one())


def test_the_batch_stays_open_until_its_last_page(
    planned: tuple[Engine, int, list[PageMessage]], settings: Settings
) -> None:
    engine, batch_id, messages = planned
    storage = LocalStorage(settings.storage_root)
    for message in messages[:-1]:
        process_page(message, engine=engine, storage=storage)
    assert _batch(engine, batch_id).status == BatchStatus.running
    assert finish_if_complete(engine, batch_id=batch_id) is False
    process_page(messages[-1], engine=engine, storage=storage)
    assert _batch(engine, batch_id).status == BatchStatus.done


def test_two_deliveries_racing_store_the_page_once(
    planned: tuple[Engine, int, list[PageMessage]], settings: Settings
) -> None:
    engine, batch_id, messages = planned
    from ingest.queue import to_job
    from ingest.worker import run_page_job

    message = messages[0]
    source = settings.storage_root / message.source_key
    outcome = run_page_job(
        to_job(message, file_name="x", source=source, image_out=Path(settings.data_dir) / "x.png")
    )
    results: list[bool] = []
    start = threading.Barrier(4)

    def deliver() -> None:
        start.wait()
        results.append(store_page_once(engine, batch_id=batch_id, outcome=outcome))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and True in results  # none failed; one row whoever won
    assert _pages(engine) == 1
    assert _field_count(engine) == len(outcome.fields)


def test_racing_closers_close_the_batch_once(
    planned: tuple[Engine, int, list[PageMessage]], settings: Settings
) -> None:
    engine, batch_id, messages = planned
    storage = LocalStorage(settings.storage_root)
    for message in messages[:-1]:
        process_page(message, engine=engine, storage=storage)
    from ingest.queue import to_job
    from ingest.worker import run_page_job

    last = messages[-1]
    outcome = run_page_job(
        to_job(
            last,
            file_name="x",
            source=settings.storage_root / last.source_key,
            image_out=settings.data_dir / "x.png",
        )
    )
    store_page_once(engine, batch_id=batch_id, outcome=outcome)
    closed: list[bool] = []
    start = threading.Barrier(4)

    def close() -> None:
        start.wait()
        closed.append(finish_if_complete(engine, batch_id=batch_id))

    threads = [threading.Thread(target=close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(closed) == [False, False, False, True]
    assert _batch(engine, batch_id).status == BatchStatus.done


def test_a_page_given_up_is_stored_failed_and_the_batch_still_closes(
    planned: tuple[Engine, int, list[PageMessage]], settings: Settings
) -> None:
    engine, batch_id, messages = planned
    storage = LocalStorage(settings.storage_root)
    for message in messages[1:]:
        process_page(message, engine=engine, storage=storage)
    give_up_page(messages[0], engine=engine)
    with Session(engine) as session:
        failed = session.exec(select(Page).where(col(Page.status) == PageStatus.failed)).one()
        assert "worker_failed" in failed.notes
    batch = _batch(engine, batch_id)
    assert (batch.status, batch.pages_failed) == (BatchStatus.done, 1)


def test_database_and_storage_failures_are_retried_longer_than_bugs() -> None:
    from sqlalchemy.exc import OperationalError

    busy = OperationalError("INSERT", {}, Exception("database is locked"))
    assert is_transient(busy) and is_transient(ConnectionRefusedError())
    assert not is_transient(KeyError("bug"))
    assert retry_when(10, busy) and not retry_when(20, busy)
    assert retry_when(1, KeyError("bug")) and not retry_when(2, KeyError("bug"))
