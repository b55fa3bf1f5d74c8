"""The terminal shell around `ingest.batch.run_batch`: settings in, progress bar, summary out."""

from __future__ import annotations

import json
from collections.abc import Sequence
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

from api.settings import Settings
from ingest.batch import run_batch
from ingest.files import discover_files, sha256_file
from ingest.types import BatchReport, FileReport, IngestOptions, PageOutcome
from ocr.recognize import RecognitionOptions
from ocr.types import AnalysisOptions
from records.batch_store import DatabaseBatchStore
from records.db import init_db, make_engine
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
        data_dir=settings.data_dir,
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


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    console: Console,
    workers: int | None = None,
    received_date: date | None = None,
    name: str | None = None,
) -> BatchReport:
    """Run one batch into the configured database with a live progress bar."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    store = DatabaseBatchStore(engine)
    batch_name = name or f"批次 {datetime.now():%Y-%m-%d %H:%M}"
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    try:
        with progress:
            return run_batch(
                list(paths),
                options=ingest_options(settings, workers=workers, received_date=received_date),
                store=store,
                name=batch_name,
                received_date=received_date,
                observer=ProgressObserver(progress),
            )
    finally:
        engine.dispose()


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


def write_report(report: BatchReport, target: Path) -> None:
    """The `--report` JSON file (temp name, then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_text(
        json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    partial.replace(target)
