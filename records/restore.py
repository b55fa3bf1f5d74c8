"""Restore of a backup (`records/backup.py`): every digest is checked first, a target that
holds data is refused unless forced, then the database and the data folders are put in
place, each through a temporary name. Stop the server while restoring.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from records.backup import (
    DATA_FOLDERS,
    FORMAT,
    MANIFEST,
    PG_FILE,
    SQLITE_FILE,
    BackupError,
    BackupSummary,
    backend_of,
    copy_hashing,
    data_files,
    is_tar,
    libpq_dsn,
    run_tool,
    sha256_of,
    sqlite_path,
)

DATA_TABLES = ("batch", "source_file", "page", "member", "user", "audit_event")
"""A target with rows in any of these (or files in the data folders) is not empty."""


@contextmanager
def opened(source: Path) -> Iterator[Path]:
    """The backup folder: ``source`` itself, or a tar unpacked to a temporary folder."""
    if source.is_dir():
        yield source
        return
    if not source.is_file() or not is_tar(source):
        raise BackupError(f"{source} 不是备份。", f"{source} is not a backup folder or tar.")
    with tempfile.TemporaryDirectory(prefix=".cardscan-restore-") as unpacked:
        with tarfile.open(source) as archive:
            archive.extractall(unpacked, filter="data")
        yield Path(unpacked)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackupError("备份缺少清单或清单已损坏。", f"No readable {MANIFEST}: {e}") from e
    if manifest.get("format") != FORMAT:
        raise BackupError("备份格式不受支持。", f"Unknown backup format {manifest.get('format')}.")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file present with its size and digest, the database file too."""
    wanted = {manifest["database"]["file"]: manifest["database"]["sha256"]}
    wanted.update({rel: meta["sha256"] for rel, meta in manifest["files"].items()})
    for rel, sha in wanted.items():
        path = folder / rel
        if not path.is_file() or sha256_of(path) != sha:
            raise BackupError(f"备份文件 {rel} 缺失或已损坏。", f"{rel} is missing or damaged.")


def target_has_data(*, database_url: str, data_dir: Path) -> bool:
    """Rows in any of DATA_TABLES, or files in the data folders."""
    if any(True for _ in data_files(data_dir)):
        return True
    if backend_of(database_url) == "sqlite" and not sqlite_path(database_url).is_file():
        return False
    from records.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            for table in DATA_TABLES:
                if (
                    table in tables
                    and connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first()
                ):
                    return True
    finally:
        engine.dispose()
    return False


def restore(*, source: Path, database_url: str, data_dir: Path, force: bool) -> BackupSummary:
    """Bring a backup back into this installation (the server stopped)."""
    kind = backend_of(database_url)
    with opened(source) as folder:
        manifest = read_manifest(folder)
        if manifest["database"]["kind"] != kind:
            raise BackupError(
                f"备份来自 {manifest['database']['kind']} 数据库，而本系统用 {kind}。",
                f"The backup is of a {manifest['database']['kind']} database, this is {kind}.",
            )
        verify(folder, manifest)
        if not force and target_has_data(database_url=database_url, data_dir=data_dir):
            raise BackupError(
                "目标已有数据；确需覆盖请加 --force。",
                "The target holds data; add --force to replace it.",
            )
        if kind == "sqlite":
            _restore_sqlite(folder / SQLITE_FILE, sqlite_path(database_url))
        else:
            dsn, env = libpq_dsn(database_url)
            restore_args = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
            run_tool(["pg_restore", *restore_args, "--dbname", dsn, str(folder / PG_FILE)], env)
        _restore_data(folder, data_dir, manifest)
    files = manifest["files"]
    return BackupSummary(
        path=source,
        database=kind,
        files=len(files),
        bytes=sum(int(meta["size"]) for meta in files.values()),
        rows=dict(manifest["database"]["rows"]),
        missing=list(manifest.get("missing", [])),
    )


def _restore_sqlite(snapshot: Path, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(f".{db_path.name}.{os.getpid()}.restore")
    shutil.copyfile(snapshot, partial)
    with partial.open("rb+") as stream:
        os.fsync(stream.fileno())
    for stale in (db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal")):
        stale.unlink(missing_ok=True)  # a log of the replaced database must not be replayed
    partial.replace(db_path)


def _restore_data(folder: Path, data_dir: Path, manifest: dict[str, Any]) -> None:
    """The data folders from the backup; the ones there before are removed once it is done."""
    data_dir.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    for rel in manifest["files"]:
        target = incoming / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_hashing(folder / rel, target)
    old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=data_dir))
    for name in DATA_FOLDERS:
        if (data_dir / name).exists():
            (data_dir / name).replace(old / name)
        if (incoming / name).exists():
            (incoming / name).replace(data_dir / name)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(incoming, ignore_errors=True)
