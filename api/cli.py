"""The `cardscan` command: ingest, export, serve, demo and sample generation."""

from __future__ import annotations

import gc
import json
import logging
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli_admin import retention_app, roster_app, user_app
from api.cli_backup import backup, restore
from api.cli_batch import batch_app
from api.cli_common import (
    EXIT_FILES_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    console,
    err_console,
)
from api.cli_db import db_app
from api.cli_print import print_app
from api.cli_reports import tally
from api.cli_worker import worker
from api.settings import Settings, load_settings
from records.db import init_db, make_engine, session_scope

DEMO_SEED = 1
DEMO_MEMBERS = 4
DEMO_STAMP = "cardscan-demo.json"
DEMO_USER = "demo"

app = typer.Typer(help="Scanned CPPCC service cards and registration tables into records.")
samples_app = typer.Typer(help="Synthetic scans with ground truth.")
app.add_typer(samples_app, name="samples")
app.add_typer(roster_app, name="roster")
app.add_typer(user_app, name="user")
app.add_typer(retention_app, name="retention")
app.add_typer(batch_app, name="batch")
app.command()(backup)
app.command()(restore)
app.add_typer(print_app, name="print")
app.add_typer(db_app, name="db")
app.command()(worker)
app.command()(tally)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """Settings come from CARDSCAN_* environment variables (see README)."""
    # Logs name batches, file ids and error codes, never people or file names.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        err_console.print(f"--received-date {text!r} is not a date; write it as 2026-12-01")
        raise typer.Exit(EXIT_USAGE) from None


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="scan files or folders (recursive)")],
    report: Annotated[Path | None, typer.Option(help="write the batch result as JSON")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes")] = None,
    received_date: Annotated[str | None, typer.Option(help="date the scans arrived")] = None,
    name: Annotated[str | None, typer.Option(help="batch name")] = None,
) -> None:
    """Ingest scans (PDF, JPEG, PNG, TIFF) as one batch; exit 1 when any file failed."""
    # Imported per command: the pipeline (OpenCV, the queue) would slow every `cardscan`.
    from api.ingest_command import ingest_paths, print_summary, write_report

    settings = load_settings()
    received = _parse_date(received_date)
    try:
        result = ingest_paths(
            settings, paths, console=console, workers=workers, received_date=received, name=name
        )
    except KeyboardInterrupt:
        err_console.print("interrupted: the batch is marked interrupted; run ingest again")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    print_summary(result, console)
    if report is not None:
        write_report(result, report)
    if not result.files:
        err_console.print("no files found under the given paths")
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FILES_FAILED if result.any_failed else EXIT_OK)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="output format")] = "jsonl",
    output: Annotated[Path | None, typer.Option(help="file to write (default stdout)")] = None,
    batch: Annotated[int | None, typer.Option(help="only this batch")] = None,
) -> None:
    """Write every page: JSONL records of record.schema.json, or CSV with one row per field.

    The export is recorded in the audit trail (actor "cli", format, filter, pages).
    """
    from records.audit import record_event
    from records.export import CSV_ENCODING, EXPORT_FORMATS, ExportFilter, write_csv, write_jsonl

    if fmt not in EXPORT_FORMATS:
        err_console.print(f"unknown format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
        raise typer.Exit(EXIT_USAGE)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    write = write_csv if fmt == "csv" else write_jsonl
    selection = ExportFilter(batch_id=batch)
    with session_scope(engine) as session:
        if output is None:
            written = write(session, sys.stdout, selection=selection)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            encoding = CSV_ENCODING if fmt == "csv" else "utf-8"
            with output.open("w", encoding=encoding, newline="") as stream:
                written = write(session, stream, selection=selection)
            err_console.print(f"{written} pages written to {output}")
        record_event(
            session,
            actor="cli",
            action="export",
            detail={
                "format": fmt,
                "filters": selection.as_json(),
                "pages": written,
                "masked": False,
            },
        )
    engine.dispose()


def _serve(settings: Settings, host: str | None, port: int | None) -> None:
    import uvicorn

    from api.app import create_app
    from api.resume import resume_interrupted_uploads

    web = create_app(settings)
    resume_interrupted_uploads(web)  # uploads a stopped server left unfinished
    uvicorn.run(web, host=host or settings.host, port=port or settings.port)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default CARDSCAN_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default CARDSCAN_PORT")] = None,
) -> None:
    """Serve the review screens and the JSON API."""
    _serve(load_settings(), host, port)


def _generate(out: Path, *, seed: int, members: int) -> Path:
    try:
        from samples.batch import generate_batch
    except ImportError as e:
        err_console.print(f"the sample generator is not available ({e}); reinstall cardscan")
        raise typer.Exit(EXIT_USAGE) from e
    return generate_batch(out, seed=seed, members=members)


def _ensure_demo_batch(demo_dir: Path, *, seed: int, members: int) -> Path:
    """The demo scans for this seed, generated once and reused on reruns."""
    stamp = demo_dir / DEMO_STAMP
    wanted = {"seed": seed, "members": members}
    scans = demo_dir / "scans"
    if stamp.is_file() and json.loads(stamp.read_text()) == wanted and scans.is_dir():
        return scans
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    console.print(f"generating sample scans (seed {seed}, {members} members) in {demo_dir}")
    _generate(demo_dir, seed=seed, members=members)
    stamp.write_text(json.dumps(wanted))
    return scans


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="sample generator seed")] = DEMO_SEED,
    members: Annotated[int, typer.Option(min=1, help="members in the sample")] = DEMO_MEMBERS,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="stop after the summary")] = False,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Generate a sample December batch, ingest it, print a summary, then serve the app."""
    from api.ingest_command import all_already_ingested, ingest_paths, print_summary

    settings = load_settings()
    scans = _ensure_demo_batch(settings.demo_dir, seed=seed, members=members)
    _load_demo_roster(settings, settings.demo_dir)
    password = _demo_user(settings)
    if all_already_ingested(settings, [scans]):
        console.print("the demo scans are already ingested; nothing to do")
    else:
        result = ingest_paths(settings, [scans], console=console, name=f"演示 demo seed {seed}")
        print_summary(result, console)
    _print_database_summary(settings)
    if no_serve:
        console.print(f"登录 sign in: user {DEMO_USER} password {password}")
    if not no_serve:
        shown_host = host or settings.host
        console.print(f"serving on http://{shown_host}:{port or settings.port}  (Ctrl+C stops)")
        console.print(f"登录 sign in: user [bold]{DEMO_USER}[/] password [bold]{password}[/]")
        _serve(settings, host, port)


def _load_demo_roster(settings: Settings, demo_dir: Path) -> None:
    """The demo's roster, so its cards link to members as they are ingested."""
    from records.roster import import_roster_rows
    from records.roster_file import read_roster

    year = int(json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))["year"])
    rows = read_roster(demo_dir / "roster.csv").rows
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        import_roster_rows(session, year=year, rows=rows)
    engine.dispose()


def _demo_user(settings: Settings) -> str:
    """An admin called `demo` with a fresh random password (shown once, on this screen)."""
    import secrets

    from api.security import hash_password
    from records import accounts
    from records.accounts import Role
    from records.audit import record_event

    password = secrets.token_urlsafe(9)
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        user = accounts.find_user(session, name=DEMO_USER)
        if user is None:
            user = accounts.add_user(
                session,
                name=DEMO_USER,
                role=Role.admin,
                committee=None,
                password_hash=hash_password(password),
            )
            record_event(
                session,
                actor="cli",
                action="user_created",
                target_type="user",
                target_id=user.id,
                detail={"role": "admin", "demo": True},
            )
        else:
            user.password_hash = hash_password(password)
            session.add(user)
            record_event(
                session,
                actor="cli",
                action="user_changed",
                target_type="user",
                target_id=user.id,
                detail={"password": "changed", "demo": True},
            )
    engine.dispose()
    return password


def _print_database_summary(settings: Settings) -> None:
    from records.crud import count_pages_by

    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        counts = count_pages_by(session)
    engine.dispose()
    total = sum(counts.values())
    console.print(f"database {settings.database_url}: {total} pages")
    for (form, status), n in sorted(counts.items()):
        console.print(f"  {form:<13} {status:<13} {n}")


@samples_app.command("generate")
def samples_generate(
    out: Annotated[Path, typer.Option(help="folder to write")],
    seed: Annotated[int, typer.Option(help="generator seed")] = 0,
    members: Annotated[int, typer.Option(min=1, help="members in the sample")] = 10,
) -> None:
    """Write synthetic scans, truth.jsonl, roster.csv and manifest.json to a folder."""
    written = _generate(out, seed=seed, members=members)
    console.print(f"samples written to {written}")


def run() -> None:
    """The `cardscan` program. Every module is loaded by now and lives as long as the
    process: the cyclic garbage collector need not walk them again, during the command or
    at exit (0.1 s of a short command such as `cardscan tally`). Not done for `app` called
    in a test's process, where it would keep that process's garbage for good."""
    gc.freeze()
    app()


if __name__ == "__main__":
    run()
