"""Pages analysed by real `cardscan worker` processes over real Redis and PostgreSQL.

`scripts/test.sh` starts both servers and runs these in its PostgreSQL pass; elsewhere they
skip, naming the variables they need. Workers are real subprocesses (Dramatiq's runner);
a killed worker is SIGKILLed with everything it forked.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from api.task_queue import RedisPageQueue, wait_for_batch
from benchmarks.worker_runs import (
    WorkerPool,
    page_count,
    page_records,
    pending_messages,
    unacknowledged,
)
from ingest.batch import run_batch
from ingest.types import PageJob
from records.batch_store import DatabaseBatchStore
from records.db import init_db, make_engine
from records.models import BatchStatus
from tests.db.servers import TEST_DATABASE_ENV, TEST_REDIS_ENV, fresh_database, redis_url
from tests.db.servers import on_postgres as _on_postgres

BATCH = Path(__file__).parent.parent / "data" / "batch-small"
TEN_PAGES = "scan-001.pdf"
# Every other file: cards, a form R (so linking has work), a duplicate, 7 pages to analyse.
WITHOUT_TEN_PAGES = (
    "IMG_20261203_090659.jpg",
    "IMG_20261203_090659(1).jpg",
    "scan-002.pdf",
    "fax-20261206.tif",
    "scan_0001.png",
)
WAIT_S = 240

pytestmark = pytest.mark.skipif(
    redis_url() is None or not _on_postgres(),
    reason=f"queue workers are tested on real Redis and PostgreSQL: they run when {TEST_REDIS_ENV} "
    f"and {TEST_DATABASE_ENV} are both set (the PostgreSQL pass of scripts/test.sh)",
)
runner = CliRunner()


@pytest.fixture
def queue_settings(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, str]]:
    """The test's installation with a Redis queue of its own (quick dead-worker recovery)."""
    url = redis_url()
    assert url is not None
    queue_name = f"test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("CARDSCAN_REDIS_URL", url)
    monkeypatch.setenv("CARDSCAN_QUEUE_NAME", queue_name)
    monkeypatch.setenv("CARDSCAN_QUEUE_HEARTBEAT_TIMEOUT_S", "2")
    monkeypatch.setenv("CARDSCAN_QUEUE_MAINTENANCE_PER_MILLION", "1000000")
    yield Settings(), url


@pytest.fixture
def workers(queue_settings: tuple[Settings, str], tmp_path: Path) -> Iterator[WorkerPool]:
    import os

    pool = WorkerPool(env=dict(os.environ), log_dir=tmp_path / "worker-logs")
    yield pool
    pool.stop()


def _roster(year: int = 2026) -> None:
    imported = runner.invoke(
        app, ["roster", "import", str(BATCH / "roster.csv"), "--year", str(year)]
    )
    assert imported.exit_code == 0, imported.output


def _scans(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in names or [p.name for p in (BATCH / "scans").iterdir()]:
        shutil.copy(BATCH / "scans" / name, folder / name)
    return folder


def test_queue_workers_store_what_an_in_process_run_stores(
    queue_settings: tuple[Settings, str],
    workers: WorkerPool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    settings, url = queue_settings
    scans = _scans(tmp_path, *WITHOUT_TEN_PAGES)
    _roster()
    workers.start(processes=2)
    queued = runner.invoke(app, ["ingest", str(scans)])
    assert queued.exit_code == 0, queued.output + workers.logs()
    assert "服务卡 service_card" in queued.output  # the summary counts what workers stored
    assert pending_messages(url, settings.queue_name) == 0
    by_workers = page_records(settings.database_url)
    assert len(by_workers) == 7  # 8 pages, one file a duplicate of another

    with fresh_database(tmp_path / "in-process") as other:
        monkeypatch.delenv("CARDSCAN_REDIS_URL")
        monkeypatch.setenv("CARDSCAN_DATA_DIR", str(tmp_path / "in-process"))
        monkeypatch.setenv("CARDSCAN_DATABASE_URL", other)
        _roster()
        in_process = runner.invoke(app, ["ingest", str(scans)])
        assert in_process.exit_code == 0, in_process.output
        assert page_records(other) == by_workers
    linked = [r for r in by_workers.values() if r[7] is not None]
    assert linked, "linking ran when the workers closed the batch"


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    queue_settings: tuple[Settings, str], workers: WorkerPool, tmp_path: Path
) -> None:
    settings, url = queue_settings
    scans = _scans(tmp_path, TEN_PAGES)
    engine = make_engine(settings.database_url)
    init_db(engine)
    from api.ingest_command import ingest_options

    report = run_batch(
        [scans],
        options=ingest_options(settings),
        store=DatabaseBatchStore(engine),
        name="kill test",
        page_queue=RedisPageQueue(settings, engine),
    )
    first = workers.start(processes=1)
    deadline = time.monotonic() + WAIT_S
    while page_count(settings.database_url) < 2:  # some pages done, the batch well under way
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.1)
    while unacknowledged(url, settings.queue_name) == 0:  # a page in the worker's hands
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.02)
    workers.kill(first)
    stored_at_kill = page_count(settings.database_url)
    assert stored_at_kill < 10
    assert unacknowledged(url, settings.queue_name) >= 1  # the dead worker's page, held

    workers.start(processes=1)
    status, counts = wait_for_batch(engine, batch_id=report.batch_id, timeout_s=WAIT_S)
    assert status == BatchStatus.done, workers.logs()
    assert counts.pages_stored == counts.pages_planned == 10
    records = page_records(settings.database_url)  # raises if any page is stored twice
    assert sorted(n for _, n in records) == list(range(1, 11))
    assert pending_messages(url, settings.queue_name) == 0
    engine.dispose()


def test_a_page_is_acknowledged_only_after_its_commit_and_retried_meanwhile(
    queue_settings: tuple[Settings, str],
    workers: WorkerPool,
    tmp_path: Path,
) -> None:
    """While the database refuses the page (its table locked, the worker's lock wait times
    out: a transient error), the message stays in Redis and is retried with backoff; once
    the lock goes, the page is stored once and the message is gone."""
    settings, url = queue_settings
    scans = _scans(tmp_path, "IMG_20261203_090659.jpg")
    engine = make_engine(settings.database_url)
    init_db(engine)
    database = engine.url.database
    with engine.connect() as connection:
        connection.execute(text(f"ALTER DATABASE \"{database}\" SET lock_timeout = '500ms'"))
        connection.commit()
    from api.ingest_command import ingest_options

    report = run_batch(
        [scans],
        options=ingest_options(settings),
        store=DatabaseBatchStore(engine),
        name="ack test",
        page_queue=RedisPageQueue(settings, engine),
    )
    locker = engine.connect()
    locker.execute(text("LOCK TABLE page IN EXCLUSIVE MODE"))
    workers.start(processes=1)
    deadline = time.monotonic() + WAIT_S
    while "Retrying message" not in workers.logs():
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.2)
    assert pending_messages(url, settings.queue_name) == 1  # not acknowledged, not lost
    locker.rollback()
    locker.close()
    status, counts = wait_for_batch(engine, batch_id=report.batch_id, timeout_s=WAIT_S)
    assert status == BatchStatus.done and counts.pages_stored == 1, workers.logs()
    assert pending_messages(url, settings.queue_name) == 0
    assert "LockNotAvailable" in workers.logs()
    engine.dispose()


def test_a_batch_of_known_files_closes_without_workers(
    queue_settings: tuple[Settings, str], tmp_path: Path
) -> None:
    """Nothing to analyse (every file a duplicate): the producer closes the batch itself."""
    settings, _ = queue_settings
    scans = _scans(tmp_path, "IMG_20261203_090659.jpg")
    engine = make_engine(settings.database_url)
    init_db(engine)
    from api.ingest_command import ingest_options

    store = DatabaseBatchStore(engine)
    options = ingest_options(settings)
    first = run_batch([scans], options=options, store=store, name="in-process")
    again = run_batch(
        [scans],
        options=options,
        store=store,
        name="again",
        page_queue=RedisPageQueue(settings, engine),
    )
    assert first.batch_id != again.batch_id
    status, counts = wait_for_batch(engine, batch_id=again.batch_id, timeout_s=1)
    assert status == BatchStatus.done
    assert counts.pages_planned == counts.pages_stored == 0
    engine.dispose()


def test_every_message_sent_twice_still_stores_each_page_once(
    queue_settings: tuple[Settings, str], workers: WorkerPool, tmp_path: Path
) -> None:
    settings, url = queue_settings
    scans = _scans(tmp_path, "scan-002.pdf")
    engine = make_engine(settings.database_url)
    init_db(engine)
    from api.ingest_command import ingest_options

    queue = RedisPageQueue(settings, engine)

    class TwiceQueue:
        def submit(self, *, batch_id: int, jobs: Sequence[PageJob]) -> None:
            queue.submit(batch_id=batch_id, jobs=jobs)
            queue.submit(batch_id=batch_id, jobs=jobs)

    report = run_batch(
        [scans],
        options=ingest_options(settings),
        store=DatabaseBatchStore(engine),
        name="twice",
        page_queue=TwiceQueue(),
    )
    assert pending_messages(url, settings.queue_name) == 6
    workers.start(processes=2)
    status, counts = wait_for_batch(engine, batch_id=report.batch_id, timeout_s=WAIT_S)
    assert status == BatchStatus.done and counts.pages_stored == 3, workers.logs()
    deadline = time.monotonic() + WAIT_S
    while pending_messages(url, settings.queue_name):  # the second copies, acknowledged too
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.2)
    assert sorted(n for _, n in page_records(settings.database_url)) == [1, 2, 3]
    assert workers.logs().count("already stored") >= 1
    engine.dispose()
