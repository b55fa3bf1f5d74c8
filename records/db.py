"""Database engine and sessions: SQLite with WAL, foreign keys and a busy timeout, or
PostgreSQL (`postgresql+psycopg://...`); the schema comes from the migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from records import accounts as _accounts  # noqa: F401  (registers the tables)
from records import models as _models  # noqa: F401

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class NulInText(ValueError):
    """A text value with a NUL character: PostgreSQL cannot store one, so every database
    refuses it alike (the API answers 422)."""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool
) -> None:
    if _has_nul(parameters):
        raise NulInText("a text value contains a NUL character")


def make_engine(database_url: str) -> Engine:
    """Engine for a URL (SQLite file or PostgreSQL server), refusing NUL in text."""
    engine = _make_engine(database_url)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _make_engine(database_url: str) -> Engine:
    """Engine for a URL; for a SQLite file, its folder is created and pragmas are set."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":  # psycopg 3 is the driver installed
            url = url.set(drivername="postgresql+psycopg")
        # Timestamps are stored without a zone, in UTC, whatever the server's zone is.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c timezone=UTC"})
    if url.get_backend_name() != "sqlite":
        return create_engine(database_url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest migration (`records/migrate.py`): tables, indexes and
    the triggers that keep the audit trail append-only. Cheap when it is already there."""
    from records.migrate import upgrade_to_head

    upgrade_to_head(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
