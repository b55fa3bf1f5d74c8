"""`cardscan batch`: list batches and resume one that a killed run left unfinished."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import col, select

from api.cli_common import (
    EXIT_FILES_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    console,
    err_console,
)
from api.settings import load_settings
from records.db import init_db, make_engine, session_scope
from records.models import Batch, BatchStatus

batch_app = typer.Typer(help="Batches: list them, resume one a killed run left unfinished.")


@batch_app.command("list")
def batch_list(
    limit: Annotated[int, typer.Option(min=1, help="newest batches shown")] = 20,
) -> None:
    """Newest batches: status, whether a process is running them, files, pages, missing."""
    from ingest.batch_lock import batch_is_live
    from records.batch_resume import batch_totals

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    table = Table("id", "status", "files", "pages", "missing", "name")
    with session_scope(engine) as session:
        rows = session.exec(select(Batch).order_by(col(Batch.id).desc()).limit(limit)).all()
        for batch in rows:
            assert batch.id is not None
            totals = batch_totals(session, batch_id=batch.id)
            status = str(batch.status)
            if batch.status == BatchStatus.running and not batch_is_live(
                settings.storage_root, batch.id
            ):
                status = "running (no live process: resume it)"
            table.add_row(
                str(batch.id),
                status,
                str(sum(totals.files.values())),
                str(totals.pages),
                str(totals.pages_missing),
                batch.name,
            )
    engine.dispose()
    console.print(table)


@batch_app.command("resume")
def batch_resume(
    batch_id: Annotated[int, typer.Argument(help="the batch to finish")],
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="also these scans (files the killed run never reached)"),
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes")] = None,
    report: Annotated[Path | None, typer.Option(help="write the batch result as JSON")] = None,
) -> None:
    """Finish a batch a killed run left: the missing pages of its stored files are analysed
    from the stored copies, and PATHS, when given, join it; nothing is stored twice."""
    # Imported here: the ingest pipeline (OpenCV, the queue) costs `cardscan` start-up.
    from api.ingest_command import ingest_paths, print_summary, write_report
    from api.resume import resume_inputs
    from ingest.batch_lock import batch_is_live
    from records.batch_resume import batch_totals

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            err_console.print(f"找不到批次 no batch {batch_id}")
            raise typer.Exit(EXIT_USAGE)
        status = batch.status
        totals = batch_totals(session, batch_id=batch_id)
    engine.dispose()
    if batch_is_live(settings.storage_root, batch_id):
        err_console.print(f"批次 {batch_id} 正在导入 batch {batch_id} is being ingested now")
        raise typer.Exit(EXIT_USAGE)
    if status == BatchStatus.done and totals.pages_missing == 0 and not paths:
        console.print(f"批次 batch {batch_id} is complete: nothing to resume")
        raise typer.Exit(EXIT_OK)
    engine = make_engine(settings.database_url)
    inputs = resume_inputs(settings, engine, batch_id)
    engine.dispose()
    for name in inputs.lost:
        err_console.print(f"{name}: the file is gone and was never stored; ingest it again")
    try:
        result = ingest_paths(
            settings,
            [*inputs.paths, *(paths or [])],
            console=console,
            workers=workers,
            batch_id=batch_id,
            display_names=inputs.names,
        )
    except KeyboardInterrupt:
        err_console.print("interrupted: run `cardscan batch resume` again")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    print_summary(result, console)
    if report is not None:
        write_report(result, report)
    raise typer.Exit(EXIT_FILES_FAILED if result.any_failed or inputs.lost else EXIT_OK)
