"""`cardscan backup PATH` and `cardscan restore PATH`: the database and the stored scans and
page images, as one consistent snapshot (records/backup.py, records/restore.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli_common import EXIT_FILES_FAILED, EXIT_OK, EXIT_USAGE, console, err_console
from api.settings import load_settings
from records.backup import BackupError, BackupSummary, is_tar
from records.db import init_db, make_engine, session_scope


def _detail(summary: BackupSummary, *, tar: bool) -> dict[str, object]:
    """Counts only (no paths, no names) for the audit trail."""
    return {
        "database": summary.database,
        "tar": tar,
        "files": summary.files,
        "bytes": summary.bytes,
        "pages": summary.rows.get("page", 0),
        "field_edits": summary.rows.get("field_edit", 0),
        "missing": len(summary.missing),
    }


def _audit(database_url: str, action: str, detail: dict[str, object]) -> None:
    from records.audit import record_event

    engine = make_engine(database_url)
    try:
        init_db(engine)
        with session_scope(engine) as session:
            record_event(session, actor="cli", action=action, detail=detail)
    finally:
        engine.dispose()


def _show(summary: BackupSummary, verb: str) -> None:
    console.print(
        f"{verb}: {summary.rows.get('page', 0)} pages, {summary.rows.get('field_edit', 0)} "
        f"corrections, {summary.files} files ({summary.bytes / 1e6:.1f} MB) — {summary.path}"
    )
    for rel in summary.missing:
        err_console.print(f"[yellow]! missing on disk when the snapshot was taken:[/] {rel}")


def backup(
    path: Annotated[Path, typer.Argument(help="new folder, or a file ending .tar / .tar.gz")],
) -> None:
    """Write a consistent backup of the database, stored scans and page images (the server
    may keep running); the backup is recorded in the audit trail."""
    from records.backup import backup as write_backup

    settings = load_settings()
    try:
        summary = write_backup(
            database_url=settings.database_url, data_dir=settings.storage_root, target=path
        )
    except BackupError as e:
        err_console.print(f"{e.message} {e.message_en}")
        raise typer.Exit(EXIT_USAGE) from None
    _audit(settings.database_url, "backup", _detail(summary, tar=is_tar(path)))
    _show(summary, "备份 backup")
    raise typer.Exit(EXIT_FILES_FAILED if summary.missing else EXIT_OK)


def restore(
    path: Annotated[Path, typer.Argument(help="a backup folder or tar")],
    force: Annotated[
        bool, typer.Option("--force", help="replace the data this installation holds")
    ] = False,
) -> None:
    """Bring a backup back (stop the server first); a target holding data is refused unless
    --force. Every file's digest is checked before anything is replaced."""
    from records.restore import restore as read_backup

    settings = load_settings()
    try:
        summary = read_backup(
            source=path,
            database_url=settings.database_url,
            data_dir=settings.storage_root,
            force=force,
        )
    except BackupError as e:
        err_console.print(f"{e.message} {e.message_en}")
        raise typer.Exit(EXIT_USAGE) from None
    _audit(settings.database_url, "restore", _detail(summary, tar=is_tar(path)))
    _show(summary, "恢复 restore")
