"""The terminal shell around `ingest.batch.run_batch`: settings in, progress bar, summary out."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.engine import Engine

from api.settings import Settings
from api.task_queue import RedisPageQueue, await_queued_batch, queue_in_use
from ingest.batch import run_batch
from ingest.batch_lock import batch_is_live
from ingest.batch_plan import read_plan
from ingest.files import discover_files, sha256_file
from ingest.types import BatchReport, FileReport, IngestOptions, PageOutcome
from ocr.recognize import RecognitionOptions
from ocr.types import AnalysisOptions
from records.batch_resume import batches_holding, unfinished_batches
from records.batch_store import DatabaseBatchStore
from records.db import init_db, make_engine, session_scope
from review_ui.labels import FORM_LABELS

BYTES_PER_MB = 1024 * 1024


def card_year(received: date) -> int:
    """The year a batch's cards are about: cards come back by 30 November, so a batch
    received in January–March still belongs to the year before."""
    return received.year - 1 if received.month <= 3 else received.year


def ingest_options(
    settings: Settings, *, workers: int | None = None, received_date: date | None = None
) -> IngestOptions:
    """Pipeline options from the settings (the only place the two meet)."""
    return IngestOptions(
        data_dir=settings.storage_root,  # stored files and pages (the data dir by default)
        workers=workers or settings.workers,
        render_dpi=settings.dpi,
        max_file_bytes=settings.max_file_mb * BYTES_PER_MB,
        max_image_pixels=settings.max_image_pixels,
        max_pdf_pages=settings.max_pdf_pages,
        analysis=AnalysisOptions(
            output_dpi=settings.page_dpi, keep_debug_images=settings.keep_debug_images
        ),
        recognition=RecognitionOptions(
            engine=settings.ocr_engine,
            engine_by_kind=tuple(sorted(settings.ocr_engine_by_kind.items())),
            default_year=card_year(received_date or date.today()),
        ),
    )


class ProgressObserver:
    """A rich progress bar: files checked first, then pages analysed."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.files_task = progress.add_task("检查文件 checking files", total=None)
        self.pages_task: TaskID | None = None

    def file_checked(self, report: FileReport, *, done: int, total: int) -> None:
        del report
        self.progress.update(self.files_task, completed=done, total=total)

    def pages_planned(self, total: int) -> None:
        self.pages_task = self.progress.add_task("分析页面 analysing pages", total=total)

    def page_done(self, outcome: PageOutcome) -> None:
        del outcome
        if self.pages_task is not None:
            self.progress.advance(self.pages_task)

    def show_stored(self, pages: int) -> None:
        """Pages stored so far by queue workers."""
        if self.pages_task is not None:
            self.progress.update(self.pages_task, completed=pages)


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    console: Console,
    workers: int | None = None,
    received_date: date | None = None,
    name: str | None = None,
    batch_id: int | None = None,
    display_names: dict[Path, str] | None = None,
) -> BatchReport:
    """Run one batch into the configured database with a live progress bar.

    Without ``batch_id``, a batch that a killed run left unfinished and that holds any of
    these files is continued (only what it lacks is done); otherwise a new batch starts.
    """
    engine = make_engine(settings.database_url)
    init_db(engine)
    store = DatabaseBatchStore(engine)
    if batch_id is None:
        batch_id = continuable_batch(settings, engine, paths)
        if batch_id is not None:
            console.print(f"继续未完成的批次 continuing interrupted batch {batch_id}")
    if batch_id is not None:
        paths, display_names = with_planned_files(settings, batch_id, paths, display_names or {})
    batch_name = name or f"批次 {datetime.now():%Y-%m-%d %H:%M}"
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    # With CARDSCAN_REDIS_URL, queue workers analyse the pages; this waits for them.
    page_queue = RedisPageQueue(settings, engine) if queue_in_use(settings) else None
    try:
        with progress, _sigterm_interrupts():
            observer = ProgressObserver(progress)
            report = run_batch(
                list(paths),
                options=ingest_options(settings, workers=workers, received_date=received_date),
                store=store,
                name=batch_name,
                received_date=received_date,
                observer=observer,
                batch_id=batch_id,
                display_names=display_names,
                page_queue=page_queue,
            )
            if page_queue is not None:
                await_queued_batch(engine, report, observer.show_stored)
            return report
    finally:
        engine.dispose()


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a service stop) ends the run like Ctrl+C: the batch is closed as interrupted."""

    def interrupt(signum: int, frame: object) -> None:
        del signum, frame
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def with_planned_files(
    settings: Settings, batch_id: int, paths: Sequence[Path], names: dict[Path, str]
) -> tuple[list[Path], dict[Path, str]]:
    """The files a continued batch was first given (those still on disk, in their first
    order, so ids and "first seen" are as in a run never interrupted), then ``paths``."""
    planned = [e for e in read_plan(settings.storage_root, batch_id) if e.path.is_file()]
    return [*(e.path for e in planned), *paths], {**{e.path: e.name for e in planned}, **names}


def continuable_batch(settings: Settings, engine: Engine, paths: Sequence[Path]) -> int | None:
    """The newest unfinished batch, not being run by a live process, that holds any of these
    files (by content); None when there is none (the usual case costs one query)."""
    with session_scope(engine) as session:
        unfinished = {b.id for b in unfinished_batches(session) if b.id is not None}
    unfinished = {b for b in unfinished if not batch_is_live(settings.storage_root, b)}
    if not unfinished:
        return None
    hashes: set[str] = set()
    for path in discover_files(paths):
        if path.is_file():
            hashes.add(sha256_file(path))
    with session_scope(engine) as session:
        holding = batches_holding(session, sha256s=hashes) & unfinished
    return max(holding) if holding else None


def all_already_ingested(settings: Settings, paths: Sequence[Path]) -> bool:
    """True when every file under `paths` is already stored (same content)."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    store = DatabaseBatchStore(engine)
    try:
        files = discover_files(paths)
        return bool(files) and all(
            store.ingested_file_id(sha256=sha256_file(f)) is not None for f in files
        )
    finally:
        engine.dispose()


def print_summary(report: BatchReport, console: Console) -> None:
    """Files ingested/duplicate/failed, pages by form, and each failure with its reason."""
    console.print(
        f"批次 batch {report.batch_id}: "
        f"{report.count('ingested')} ingested, {report.count('duplicate')} duplicate, "
        f"{report.count('failed')} failed" + (" — interrupted" if report.interrupted else "")
    )
    if report.pages_by_form or report.pages_failed:
        table = Table("form", "pages")
        for form, n in sorted(report.pages_by_form.items()):
            table.add_row(f"{FORM_LABELS.get(form, form)} {form}", str(n))
        if report.pages_failed:
            table.add_row("失败 failed", str(report.pages_failed))
        console.print(table)
    for failed in (f for f in report.files if f.status == "failed"):
        console.print(f"[red]✗ {failed.error_code}[/red] {failed.message}", highlight=False)
    for resumed in (f for f in report.files if f.status == "resumed"):
        console.print(f"[yellow]↻ 补全 resumed[/yellow] {resumed.message}", highlight=False)
    for dup in report.duplicate_pages:
        what = "同一页 same page" if dup.kind == "same_page" else "可能重复 possible re-scan"
        console.print(
            f"[yellow]≡ {what}[/yellow] {dup.file_name} p.{dup.page_no} = "
            f"{dup.original_file_name} p.{dup.original_page_no} (batch {dup.original_batch_id})",
            highlight=False,
        )


def write_report(report: BatchReport, target: Path) -> None:
    """The `--report` JSON file (temp name, then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_text(
        json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    partial.replace(target)
