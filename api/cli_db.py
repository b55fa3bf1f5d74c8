"""`cardscan db`: the schema migrations of the configured database (upgrade, current, history)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from api.cli_common import EXIT_FILES_FAILED, EXIT_USAGE, console, err_console
from api.settings import load_settings
from records.db import make_engine

db_app = typer.Typer(help="Database schema migrations (Alembic, shipped with cardscan).")


def _shown(url: str) -> str:
    """The database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every missing migration (the server and every command also do it on start)."""
    from records.migrate import current_revision, head_revision, upgrade_to_head

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            before = current_revision(connection)
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    head = head_revision()
    if before == head:
        console.print(f"{_shown(settings.database_url)}: already at {head}")
    else:
        console.print(f"{_shown(settings.database_url)}: {before or 'empty'} → {head}")


@db_app.command("current")
def db_current() -> None:
    """The revision the database is at, and whether it is the newest."""
    from records.migrate import current_revision, head_revision

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
    finally:
        engine.dispose()
    head = head_revision()
    state = "newest" if current == head else f"behind: run `cardscan db upgrade` (→ {head})"
    console.print(f"{_shown(settings.database_url)}: {current or 'not migrated'} ({state})")


@db_app.command("history")
def db_history() -> None:
    """Every migration, newest first."""
    from records.migrate import history_lines

    for line in history_lines():
        console.print(line, highlight=False, soft_wrap=True)


@db_app.command("check")
def db_check() -> None:
    """Compare the database with the models: exit 1 when a migration is missing."""
    from records.migrate import schema_differences, upgrade_to_head

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        differences = schema_differences(engine)
    finally:
        engine.dispose()
    for difference in differences:
        err_console.print(str(difference), highlight=False)
    if differences:
        err_console.print("the models differ from the migrations: run `cardscan db revision`")
        raise typer.Exit(EXIT_FILES_FAILED)
    console.print("the migrations match the models")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="what the revision does")],
    scratch: Annotated[
        Path | None, typer.Option(help="empty SQLite file to diff against (default: a temp file)")
    ] = None,
) -> None:
    """For developers: write the next migration from the models (autogenerate)."""
    import tempfile

    from records.migrate import new_revision

    with tempfile.TemporaryDirectory() as tmp:
        target = scratch or Path(tmp) / "scratch.db"
        if target.exists():
            err_console.print(f"{target} exists; give an empty path")
            raise typer.Exit(EXIT_USAGE)
        engine = make_engine(f"sqlite:///{target}")
        try:
            written = new_revision(engine, message)
        finally:
            engine.dispose()
    for path in written:
        console.print(f"written {path}; review it (triggers, data) before committing")
