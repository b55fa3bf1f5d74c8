"""The migrations make exactly the models' schema, on SQLite and on PostgreSQL (the suite
runs on both), keep the audit trail append-only, and adopt a database made before them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from records import crud
from records.audit import record_event
from records.db import init_db, make_engine
from records.migrate import (
    VERSION_TABLE,
    alembic_config,
    current_revision,
    head_revision,
    history_lines,
    model_metadata,
    schema_differences,
)
from tests.db.servers import on_postgres

runner = CliRunner()


def test_a_fresh_database_gets_exactly_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    init_db(engine)
    assert schema_differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert tables == {t.name for t in model_metadata().sorted_tables} | {VERSION_TABLE}
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    engine.dispose()


def test_the_head_read_from_file_names_is_alembics_single_head(database_url: str) -> None:
    """`head_revision` (which every command checks) lists the versions folder instead of
    loading Alembic; it must be what Alembic finds, and the history a single line."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [head_revision()]
    for revision in script.walk_revisions():
        assert Path(str(revision.path)).name.startswith(f"{revision.revision}_")
    engine = make_engine(database_url)
    init_db(engine)
    with engine.connect() as connection:
        alembic_reads = MigrationContext.configure(connection).get_current_revision()
        assert current_revision(connection) == alembic_reads == head_revision()
    engine.dispose()


def test_an_empty_database_has_no_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.connect() as connection:
        assert current_revision(connection) is None
    engine.dispose()


def test_every_table_module_of_records_is_in_the_metadata() -> None:
    """A table added in a new module of `records` is found without registering it."""
    names = {t.name for t in model_metadata().sorted_tables}
    assert {"batch", "source_file", "page", "field", "member", "audit_event", "user"} <= names
    assert names == set(SQLModel.metadata.tables)


def test_the_audit_trail_refuses_changes_and_deletions(database_url: str) -> None:
    engine = make_engine(database_url)
    init_db(engine)
    with Session(engine) as session:
        record_event(session, actor="cli", action="test")
        session.commit()
    for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    engine.dispose()


def test_downgrade_to_nothing_and_upgrade_again(database_url: str) -> None:
    from alembic import command

    engine = make_engine(database_url)
    init_db(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
    init_db(engine)
    assert schema_differences(engine) == []
    with Session(engine) as session:  # the triggers came back with the tables
        record_event(session, actor="cli", action="test")
        session.commit()
    with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text("DELETE FROM audit_event"))
    engine.dispose()


def test_a_database_made_before_migrations_is_completed_and_stamped(tmp_path: Path) -> None:
    """Development databases made by `create_all` (no version table) keep their rows."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    metadata = model_metadata()
    metadata.create_all(engine)
    with Session(engine) as session:
        crud.create_batch(session, name="kept")
        session.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:  # as an older model had it: no `member.standing`
        db.executescript(
            "DROP TABLE member; CREATE TABLE member (id INTEGER PRIMARY KEY, year INTEGER "
            "NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL, sector VARCHAR, committee "
            "VARCHAR, phone VARCHAR, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)"
        )
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert connection.execute(text("SELECT name FROM batch")).scalar() == "kept"
    assert "standing" in {c["name"] for c in inspect(engine).get_columns("member")}
    engine.dispose()


def test_db_commands(settings: Settings) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert str(head_revision()) in upgraded.output
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0 and "newest" in current.output
    history = runner.invoke(app, ["db", "history"])
    assert history.exit_code == 0
    assert history.output.splitlines()[0].startswith(str(head_revision()))
    assert len(history.output.splitlines()) == len(history_lines()) >= 1
    checked = runner.invoke(app, ["db", "check"])
    assert checked.exit_code == 0, checked.output
    if not on_postgres():
        assert "postgresql" not in settings.database_url


def test_db_check_names_a_missing_migration(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_extra_batch_name ON batch (name)"))
    engine.dispose()
    checked = runner.invoke(app, ["db", "check"])
    assert checked.exit_code == 1
    assert "ix_extra_batch_name" in checked.output
