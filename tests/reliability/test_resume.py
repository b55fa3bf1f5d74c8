"""Resuming batches that a run left unfinished: only missing pages are analysed, into the
batch and file they belong to; a batch a live process runs is left alone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from api.cli_common import EXIT_OK
from api.ingest_command import ingest_options
from api.settings import Settings
from ingest.batch import run_batch
from ingest.batch_lock import BatchInUse, batch_is_live, hold_batch_lock
from ingest.batch_plan import read_plan
from ingest.types import PageOutcome
from records.batch_store import DatabaseBatchStore
from records.db import init_db, make_engine
from records.models import Batch, BatchStatus, FileStatus, Page, SourceFile
from tests.conftest import Scans

runner = CliRunner()


class Died(BaseException):
    """Stands for the process dying: nothing after it runs, the batch is not closed."""


class DyingStore(DatabaseBatchStore):
    """The database store, dying after storing ``pages`` pages."""

    def __init__(self, settings: Settings, pages: int) -> None:
        engine = make_engine(settings.database_url)
        init_db(engine)
        super().__init__(engine)
        self.left = pages

    def add_page(self, *, batch_id: int, outcome: PageOutcome) -> None:
        if self.left == 0:
            raise Died
        super().add_page(batch_id=batch_id, outcome=outcome)
        self.left -= 1


def _die_after(settings: Settings, paths: list[Path], pages: int) -> None:
    store = DyingStore(settings, pages)
    with pytest.raises(Died):
        run_batch(paths, options=ingest_options(settings, workers=1), store=store, name="b")
    store.engine.dispose()


def _state(settings: Settings) -> tuple[list[Batch], list[SourceFile], list[Page]]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        batches = list(session.exec(select(Batch).order_by(col(Batch.id))).all())
        files = list(session.exec(select(SourceFile).order_by(col(SourceFile.id))).all())
        pages = list(session.exec(select(Page).order_by(col(Page.file_id), col(Page.page_no))))
    engine.dispose()
    return batches, files, pages


def _cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_ingest_again_continues_the_batch_with_only_the_missing_pages(
    settings: Settings, scans: Scans, tmp_path: Path
) -> None:
    _die_after(settings, [scans.folder], pages=3)
    (batch,), files, pages = _state(settings)
    assert batch.status == BatchStatus.running and not batch_is_live(settings.data_dir, 1)
    assert len(pages) == 3 and len(files) == len(scans.pages)  # all checked, 3 pages stored
    first_ids = {(p.file_id, p.page_no): p.id for p in pages}

    report = tmp_path / "r.json"
    code, output = _cli("ingest", scans.folder, "--report", report)

    assert code == EXIT_OK, output
    assert "continuing interrupted batch 1" in output
    result = json.loads(report.read_text())
    assert result["batch_id"] == 1
    assert {f["status"] for f in result["files"]} == {"ingested"}
    assert result["summary"]["pages"] == sum(scans.pages.values()) - 3  # analysed this time
    (batch,), files_after, pages = _state(settings)
    assert [f.id for f in files_after] == [f.id for f in files]  # no file row added
    assert len(pages) == sum(scans.pages.values())
    assert len({(p.file_id, p.page_no) for p in pages}) == len(pages)
    assert {k: v for k, v in first_ids.items()} == {
        (p.file_id, p.page_no): p.id for p in pages if (p.file_id, p.page_no) in first_ids
    }  # the pages stored before are the same rows
    assert (batch.status, batch.pages_total, batch.files_ingested) == (
        BatchStatus.done,
        sum(scans.pages.values()),
        len(scans.pages),
    )


def test_batch_resume_uses_the_stored_copies_when_the_originals_are_gone(
    settings: Settings, scans: Scans, tmp_path: Path
) -> None:
    uploads = tmp_path / "upload"
    shutil.copytree(scans.folder, uploads)
    _die_after(settings, [uploads], pages=1)
    assert [e.name for e in read_plan(settings.data_dir, 1)] == sorted(scans.pages)
    shutil.rmtree(uploads)  # an upload's temporary copies are deleted

    code, output = _cli("batch", "resume", "1")

    assert code == EXIT_OK, output
    (batch,), files, pages = _state(settings)
    assert batch.status == BatchStatus.done
    assert len(pages) == sum(scans.pages.values())
    assert sorted(f.original_name for f in files) == sorted(scans.pages)
    code, output = _cli("batch", "resume", "1")
    assert code == EXIT_OK and "nothing to resume" in output


def test_a_file_left_incomplete_by_another_batch_is_completed_there(
    settings: Settings, scans: Scans, tmp_path: Path
) -> None:
    pdf = scans.path("cards-2pages.pdf")
    _die_after(settings, [pdf], pages=1)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:  # a batch closed by hand, as `interrupted`
        batch = session.get_one(Batch, 1)
        batch.status = BatchStatus.done
        session.add(batch)
        session.commit()
    engine.dispose()
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(pdf, other / "same-content.pdf")
    report = tmp_path / "r.json"

    code, output = _cli("ingest", other, "--report", report)

    assert code == EXIT_OK, output
    (entry,) = json.loads(report.read_text())["files"]
    assert (entry["status"], entry["pages"]) == ("resumed", 1)
    assert "batch 1" in entry["message"] and "interrupted" in entry["message"]
    batches, files, pages = _state(settings)
    assert [(p.batch_id, p.page_no) for p in pages] == [(1, 1), (1, 2)]
    assert [f.status for f in files] == [FileStatus.ingested, FileStatus.duplicate]
    assert [b.status for b in batches] == [BatchStatus.done, BatchStatus.done]
    assert batches[0].pages_total == 2


def test_a_batch_a_live_process_runs_is_not_taken_over(settings: Settings, scans: Scans) -> None:
    pdf = scans.path("cards-2pages.pdf")
    _die_after(settings, [pdf], pages=1)
    lock = hold_batch_lock(settings.data_dir, 1)  # as if its run were still alive
    try:
        assert batch_is_live(settings.data_dir, 1)
        code, output = _cli("batch", "resume", "1")
        assert code == 2 and "is being ingested" in output
        with pytest.raises(BatchInUse):
            run_batch(
                [pdf],
                options=ingest_options(settings, workers=1),
                store=DatabaseBatchStore(make_engine(settings.database_url)),
                name="x",
                batch_id=1,
            )
        code, output = _cli("ingest", pdf)  # a new batch: the file counts as stored
        assert code == EXIT_OK
        assert "continuing" not in output
    finally:
        lock.release()
    _, files, pages = _state(settings)
    assert len(pages) == 1  # nothing analysed twice while the other run lives
    assert [f.status for f in files] == [FileStatus.ingested, FileStatus.duplicate]
    assert not batch_is_live(settings.data_dir, 1)


def test_sigterm_closes_the_batch_as_interrupted_and_ingest_continues_it(
    settings: Settings, scans: Scans
) -> None:
    """A service stop (SIGTERM) ends the run like Ctrl+C: exit 130, batch `interrupted`."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    cardscan = Path(sys.executable).with_name("cardscan")
    process = subprocess.Popen(
        [str(cardscan), "ingest", str(scans.folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if _stored_pages(settings) >= 1:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    (batch,), _, pages = _state(settings)
    assert batch.status == BatchStatus.interrupted
    assert 1 <= len(pages) < sum(scans.pages.values())
    code, output = _cli("ingest", scans.folder)
    assert code == EXIT_OK and "continuing interrupted batch 1" in output
    (batch,), _, pages = _state(settings)
    assert (batch.status, len(pages)) == (BatchStatus.done, sum(scans.pages.values()))


def _stored_pages(settings: Settings) -> int:
    try:
        return len(_state(settings)[2])
    except Exception:  # the schema is not there yet
        return 0


def test_the_server_ingests_at_start_the_uploads_a_stopped_server_left(
    settings: Settings, scans: Scans, tmp_path: Path
) -> None:
    from api.app import create_app
    from api.resume import resume_interrupted_uploads
    from ingest.batch_plan import write_plan
    from records import crud
    from records.db import session_scope

    upload = settings.data_dir / "uploads" / "0f1e"  # as api/uploads.py names them
    upload.mkdir(parents=True)
    sent = {upload / "1.upload": "card-single.png", upload / "2.upload": "cards-2pages.pdf"}
    for path, name in sent.items():
        shutil.copy(scans.path(name), path)
    app = create_app(settings)
    with session_scope(app.state.engine) as session:
        queued = crud.create_batch(session, name="上传").id
        from_cli = crud.create_batch(session, name="cli").id
    assert queued is not None and from_cli is not None
    write_plan(settings.storage_root, queued, list(sent), sent)  # accepted, never ingested
    write_plan(settings.storage_root, from_cli, [scans.path("card-photo.jpg")], {})

    assert resume_interrupted_uploads(app) == [queued]
    app.state.ingest_runner._jobs.join()

    batches, files, pages = _state(settings)
    assert [(b.id, b.status) for b in batches] == [
        (queued, BatchStatus.done),
        (from_cli, BatchStatus.running),  # left to `cardscan batch resume`
    ]
    assert sorted(f.original_name for f in files) == ["card-single.png", "cards-2pages.pdf"]
    assert len(pages) == 3
    assert not upload.exists()  # the upload's copies go once ingest has stored them
    assert resume_interrupted_uploads(app) == []
    app.state.engine.dispose()
