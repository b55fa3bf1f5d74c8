"""Backups: a consistent snapshot of the database with the stored scans and page images.

A backup is a folder (or a `.tar`/`.tar.gz` of one) holding the database (`cardscan.db`, a
SQLite online-backup copy; or `database.dump`, `pg_dump --format=custom`), the data folders
`files/` and `pages/`, and `manifest.json` (sha256 and size of every file, rows per table).

It may be taken while the server runs: the database is copied first, in one read snapshot
(SQLite's backup API in one step; PostgreSQL: an exported snapshot that `pg_dump` and the
row counts share), then the files. Files are written before the row that names them and
never changed afterwards, so every file the snapshot names is already there to copy.

`records/restore.py` brings a backup back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "cardscan.db"
PG_FILE = "database.dump"
DATA_FOLDERS = ("files", "pages")
CHUNK = 1024 * 1024
PG_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that cannot be done; `message` (zh) and `message_en` say why."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


@dataclass
class BackupSummary:
    """What a backup holds (or a restore brought back)."""

    path: Path
    database: str  # sqlite | postgresql
    files: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # named by the database, not on disk


def is_tar(path: Path) -> bool:
    return path.name.endswith((".tar", ".tar.gz", ".tgz"))


def backend_of(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {name} 数据库。", f"No backup for {name} databases.")
    return name


# --- backup ------------------------------------------------------------------------------


def backup(*, database_url: str, data_dir: Path, target: Path) -> BackupSummary:
    """Write a backup to ``target`` (a new folder, or a tar when it ends .tar/.tar.gz)."""
    if target.exists():
        raise BackupError(f"{target} 已存在，请换一个名字。", f"{target} exists; pick a new name.")
    kind = backend_of(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        summary = BackupSummary(path=target, database=kind)
        if kind == "sqlite":
            db_path = sqlite_path(database_url)
            summary.rows, referenced = _sqlite_snapshot(db_path, staging / SQLITE_FILE)
        else:
            summary.rows, referenced = _pg_snapshot(database_url, staging / PG_FILE)
        entries = _copy_data(data_dir, staging)
        summary.missing = sorted(referenced - set(entries))
        summary.files = len(entries)
        summary.bytes = sum(size for _, size in entries.values())
        database_file = SQLITE_FILE if kind == "sqlite" else PG_FILE
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": {
                "kind": kind,
                "file": database_file,
                "sha256": sha256_of(staging / database_file),
                "rows": summary.rows,
            },
            "files": {rel: {"sha256": sha, "size": size} for rel, (sha, size) in entries.items()},
            "counts": {"files": summary.files, "bytes": summary.bytes},
            "missing": summary.missing,
        }
        _write_json(staging / MANIFEST, manifest)
        if is_tar(target):
            _tar(staging, target)
        else:
            staging.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份。", "An in-memory database has no backup.")
    return Path(database)


def _sqlite_snapshot(db_path: Path, out: Path) -> tuple[dict[str, int], set[str]]:
    """One-step online backup (a single read snapshot; writers go on in WAL mode)."""
    if not db_path.is_file():
        raise BackupError(f"找不到数据库 {db_path}。", f"No database at {db_path}.")
    source = sqlite3.connect(db_path, timeout=30)
    copy = sqlite3.connect(out)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("数据库副本校验失败。", "The database copy failed its check.")
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        rows = {t: int(copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
        referenced = {
            str(path)
            for query in (
                "SELECT stored_path FROM source_file WHERE stored_path IS NOT NULL",
                "SELECT image_path FROM page WHERE image_path IS NOT NULL",
            )
            if {"source_file", "page"} <= set(tables)
            for (path,) in copy.execute(query)
        }
    finally:
        copy.close()
        source.close()
    return dict(sorted(rows.items())), referenced


def libpq_dsn(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and an environment carrying it."""
    url: URL = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_snapshot(database_url: str, out: Path) -> tuple[dict[str, int], set[str]]:
    """`pg_dump` inside a snapshot exported by a transaction that also counts the rows."""
    from records.db import make_engine

    dsn, env = libpq_dsn(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                tables = inspect(connection).get_table_names()
                rows = {
                    t: int(connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
                    for t in tables
                }
                referenced: set[str] = set()
                if {"source_file", "page"} <= set(tables):
                    for query in (
                        "SELECT stored_path FROM source_file WHERE stored_path IS NOT NULL",
                        "SELECT image_path FROM page WHERE image_path IS NOT NULL",
                    ):
                        referenced |= {str(p) for (p,) in connection.execute(text(query))}
                dump = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}"]
                run_tool([*dump, "--file", str(out), dsn], env)
    finally:
        engine.dispose()
    return dict(sorted(rows.items())), referenced


def run_tool(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S, check=False
        )
    except FileNotFoundError as e:
        raise BackupError(
            f"找不到 {command[0]}，请安装 PostgreSQL 客户端。",
            f"{command[0]} is missing; install the PostgreSQL client tools.",
        ) from e
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{command[0]} 失败：{last}", f"{command[0]} failed: {last}")


def data_files(data_dir: Path) -> Iterator[Path]:
    """Files of the data folders, sorted; hidden ones (half-written `.part`) are skipped."""
    for folder in DATA_FOLDERS:
        root = data_dir / folder
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(data_dir)
                if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                    yield path


def _copy_data(data_dir: Path, staging: Path) -> dict[str, tuple[str, int]]:
    """Copy the data folders, hashing as the bytes pass; {relative path: (sha256, size)}."""
    entries: dict[str, tuple[str, int]] = {}
    for path in data_files(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        entries[rel] = copy_hashing(path, target)
    return entries


def copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest(), size


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        json.dump(data, stream, ensure_ascii=False, indent=1)
        stream.flush()
        os.fsync(stream.fileno())


def _tar(folder: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    compress = target.name.endswith(("gz", "tgz"))
    with tarfile.open(partial, "w:gz" if compress else "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
    with partial.open("rb+") as stream:
        os.fsync(stream.fileno())
    partial.replace(target)
