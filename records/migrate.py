"""Schema migrations: Alembic scripts shipped in the package (`records/migrations/`).

Every command that opens the database calls `upgrade_to_head` (through `records.db.init_db`):
an empty database gets every table, an older one the missing revisions, and a database made
by an earlier cardscan with `create_all` (tables but no `alembic_version`) is completed and
stamped. SQLite and PostgreSQL run the same scripts (batch mode on SQLite).
"""

from __future__ import annotations

import importlib
import io
import logging
import pkgutil
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic itself is imported only where a migration runs or is inspected: checking that a
# database is current (every command does it) reads one row and a folder listing.

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Revision files are `NNNN_<message>.py` with revision id NNNN, each the parent of the next
# (`new_revision` writes them so); tests check this against Alembic's own reading.
REVISION_FILE_GLOB = "[0-9][0-9][0-9][0-9]_*.py"
VERSION_TABLE = "alembic_version"
# Any constant: PostgreSQL sessions that migrate take this advisory lock, one at a time.
_PG_MIGRATION_LOCK = 0x63617264  # "card"
_SKIP_MODULES = frozenset({"migrations"})

log = logging.getLogger(__name__)


def model_metadata() -> MetaData:
    """The metadata of every table: each module of `records` is imported so that a table
    added in a new module is never missed by `upgrade` or by autogeneration."""
    import records

    for module in pkgutil.iter_modules(records.__path__):
        if module.name not in _SKIP_MODULES:
            importlib.import_module(f"records.{module.name}")
    return SQLModel.metadata


def alembic_config(connection: Connection | None = None, *, stdout: Any = None) -> Config:
    """An Alembic configuration over the packaged scripts, bound to an open connection."""
    from alembic.config import Config

    config = Config(stdout=stdout or io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str | None:
    """The newest revision the scripts know: the highest numbered revision file."""
    numbers = [p.name[:4] for p in (MIGRATIONS_DIR / "versions").glob(REVISION_FILE_GLOB)]
    return max(numbers, default=None)


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at (None: never migrated)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    return max(found, default=None)


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest revision; a no-op (one query) when it is there.

    The models are imported only when a migration runs, so a command that finds the
    database current pays for no module it does not use."""
    with engine.connect() as connection:
        if _is_current(connection):
            return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Server and workers may start together: one migrates, the others wait here.
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": _PG_MIGRATION_LOCK})
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        if _is_current(connection):
            return
        from alembic import command

        model_metadata()
        config = alembic_config(connection)
        if _is_legacy(connection):
            adopt_legacy_schema(connection)
            command.stamp(config, "head")
            log.warning("database made before migrations: completed and stamped at head")
        else:
            command.upgrade(config, "head")


def _is_current(connection: Connection) -> bool:
    current = current_revision(connection)
    return current is not None and current == head_revision()


def _is_legacy(connection: Connection) -> bool:
    """Tables made by `create_all` (before migrations) and no version stamp."""
    tables = set(inspect(connection).get_table_names())
    return VERSION_TABLE not in tables and "batch" in tables


def adopt_legacy_schema(connection: Connection) -> None:
    """What `init_db` did before migrations: create missing tables, add missing columns (all
    nullable or with a server default) and the audit guards; the caller then stamps head."""
    from records.migrations.guards import install_audit_guards

    metadata = model_metadata()
    metadata.create_all(connection)
    inspector = inspect(connection)
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                ddl = CreateColumn(column).compile(dialect=connection.dialect)
                connection.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}'))
    install_audit_guards(connection)


def schema_differences(engine: Engine) -> list[Any]:
    """What autogeneration would change to make the database match the models ([] = none)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    metadata = model_metadata()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "target_metadata": metadata}
        )
        return list(compare_metadata(context, metadata))


def history_lines() -> list[str]:
    """Every revision, newest first: `id (parent) message`."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [
        f"{rev.revision} ({rev.down_revision or 'base'}) {rev.doc}"
        for rev in script.walk_revisions()
    ]


def new_revision(engine: Engine, message: str) -> Sequence[Path]:
    """Autogenerate the next revision (`0002_<message>.py`, ...) from the difference between
    the models and a database at head (developers: an empty SQLite file), formatted by ruff."""
    from alembic import command

    upgrade_to_head(engine)
    number = len(history_lines()) + 1
    with engine.begin() as connection:
        config = alembic_config(connection)
        ruff = Path(sys.executable).with_name("ruff")
        if ruff.exists():
            hooks = "post_write_hooks"
            config.set_section_option(hooks, "hooks", "ruff")
            config.set_section_option(hooks, "ruff.type", "exec")
            config.set_section_option(hooks, "ruff.executable", str(ruff))
            config.set_section_option(hooks, "ruff.options", "format REVISION_SCRIPT_FILENAME")
        scripts = command.revision(
            config,
            message=message,
            autogenerate=True,
            rev_id=f"{number:04d}",
        )
    head_revision.cache_clear()
    found = scripts if isinstance(scripts, list) else [scripts]
    return [Path(s.path) for s in found if s is not None]
