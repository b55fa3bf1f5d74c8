"""The `cardscan` command: ingest, export, serve, demo and sample generation."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.ingest_command import all_already_ingested, ingest_paths, print_summary, write_report
from api.settings import Settings, load_settings
from records.db import init_db, make_engine, session_scope

# Exit codes, mapped in this one place.
EXIT_OK = 0
EXIT_FILES_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DEMO_SEED = 1
DEMO_MEMBERS = 4
DEMO_STAMP = "cardscan-demo.json"
DEMO_USER = "demo"

app = typer.Typer(help="Scanned CPPCC service cards and registration tables into records.")
samples_app = typer.Typer(help="Synthetic scans with ground truth.")
app.add_typer(samples_app, name="samples")
console = Console()
err_console = Console(stderr=True)


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

    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


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


roster_app = typer.Typer(help="The member roster (委员名单), per year.")
app.add_typer(roster_app, name="roster")


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="roster file: XLSX or CSV (UTF-8 or GBK)")],
    year: Annotated[int | None, typer.Option(help="roster year (default: this year)")] = None,
) -> None:
    """Add or update members by 委员编号, then link the cards still in review again."""
    from records.linking import relink_year
    from records.roster import import_roster_rows
    from records.roster_file import RosterFileError, read_roster

    try:
        read = read_roster(file)
    except RosterFileError as e:
        err_console.print(str(e))
        raise typer.Exit(EXIT_FILES_FAILED) from e
    for error in read.errors:
        err_console.print(error.message)
    year = year or date.today().year
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        result = import_roster_rows(session, year=year, rows=read.rows)
        relinked = relink_year(session, year)
    engine.dispose()
    console.print(
        f"{year} 年名单 roster: 新增 added {result.added}, 更新 updated {result.updated}, "
        f"未变 unchanged {result.unchanged}; 错误行 rows with errors {len(read.errors)}; "
        f"重新关联 pages linked {relinked}"
    )
    if read.errors:
        raise typer.Exit(EXIT_FILES_FAILED)


user_app = typer.Typer(help="Users and their roles (用户与角色).")
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="sign-in name")],
    role: Annotated[str, typer.Option(help="clerk | reviewer | office | admin")],
    committee: Annotated[
        str | None, typer.Option(help="limit the user to one 政协工委's cards")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Add a user; the password is asked for (or read from stdin), never an argument."""
    from api.errors import AppError
    from api.routes.users import UserCreate, check_committee
    from api.security import hash_password
    from records import accounts
    from records.audit import record_event

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("密码 password", hide_input=True, confirmation_prompt=True)
    try:
        request = UserCreate.model_validate(
            {"name": name, "role": role, "committee": committee, "password": password}
        )
        check_committee(request.committee)
        password_hash = hash_password(request.password)
    except AppError as e:
        err_console.print(f"{e.message} / {e.message_en}")
        raise typer.Exit(EXIT_USAGE) from e
    except ValueError as e:  # pydantic: bad role, name or short password
        err_console.print(f"输入有误 invalid input: {e}")
        raise typer.Exit(EXIT_USAGE) from e
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        if accounts.find_user(session, name=request.name) is not None:
            err_console.print(f"用户「{request.name}」已存在 / user exists")
            raise typer.Exit(EXIT_USAGE)
        user = accounts.add_user(
            session,
            name=request.name,
            role=request.role,
            committee=request.committee,
            password_hash=password_hash,
        )
        record_event(
            session,
            actor="cli",
            action="user_created",
            target_type="user",
            target_id=user.id,
            detail={"role": str(user.role), "committee": user.committee},
        )
    engine.dispose()
    console.print(f"用户 user {request.name} ({request.role}) 已添加 added")


@user_app.command("list")
def user_list() -> None:
    """List users with their role, committee and whether they may sign in."""
    from sqlmodel import select

    from records.accounts import User

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        for user in session.exec(select(User).order_by(User.name)):
            state = "" if user.active else "  (停用 inactive)"
            typer.echo(f"{user.name}\t{user.role}\t{user.committee or '-'}{state}")
    engine.dispose()


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="the user the token acts as")],
    label: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Create a bearer token for an API client; it is printed once."""
    from records import accounts
    from records.audit import record_event

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        user = accounts.find_user(session, name=name)
        if user is None:
            err_console.print(f"没有用户「{name}」/ no such user")
            raise typer.Exit(EXIT_USAGE)
        token, row = accounts.create_api_token(session, user=user, label=label)
        record_event(
            session,
            actor="cli",
            action="token_created",
            target_type="api_token",
            target_id=row.id,
            detail={"user": user.name},
        )
    engine.dispose()
    console.print(token)


retention_app = typer.Typer(help="Retention of personal data (个人信息保存期限).")
app.add_typer(retention_app, name="retention")


@retention_app.command("apply")
def retention_apply(
    keep_years: Annotated[
        int | None,
        typer.Option(min=1, help="years kept before this one (default CARDSCAN_RETENTION_YEARS)"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count what would go, change nothing")
    ] = False,
) -> None:
    """Remove names, phones, addresses, contents, page images and originals of old years;
    visit dates, manners and signatures stay for the tally."""
    from records.retention import apply_retention

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        result = apply_retention(
            session,
            data_dir=settings.data_dir,
            keep_years=keep_years or settings.retention_years,
            dry_run=dry_run,
        )
    engine.dispose()
    verb = "将清除 would remove" if dry_run else "已清除 removed"
    console.print(
        f"{result.first_kept_year} 年以前的个人信息 personal data before {result.first_kept_year}:"
    )
    labels = {
        "pages": "页 pages",
        "fields": "字段 fields",
        "field_edits": "修改记录 field edits",
        "images": "页面图像 page images",
        "originals": "原始文件 original files",
        "members": "委员电话 member phones",
    }
    for key, count in result.counts().items():
        console.print(f"  {verb} {labels[key]}: {count}")
