"""The database servers of a test run: SQLite files by default, or a fresh PostgreSQL
database per test when CARDSCAN_TEST_DATABASE_URL names a server (`scripts/test.sh` starts
one); Redis for the queue tests from CARDSCAN_TEST_REDIS_URL.

Each PostgreSQL test database is a copy of a template migrated once per run
(`CREATE DATABASE ... TEMPLATE`, a few hundredths of a second), dropped after the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

TEST_DATABASE_ENV = "CARDSCAN_TEST_DATABASE_URL"
TEST_REDIS_ENV = "CARDSCAN_TEST_REDIS_URL"
_TEMPLATE = f"cardscan_template_{os.getpid()}"


def server_url() -> str | None:
    """The PostgreSQL server the tests run against, or None for SQLite."""
    return os.environ.get(TEST_DATABASE_ENV) or None


def redis_url() -> str | None:
    """The Redis server for the queue tests, or None (they skip)."""
    return os.environ.get(TEST_REDIS_ENV) or None


def on_postgres() -> bool:
    return server_url() is not None


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(url: str) -> psycopg.Connection[Any]:
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)


@cache
def _template(url: str) -> str:
    """A database at the newest migration, made once per run, copied for every test."""
    from records.db import init_db, make_engine

    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{_TEMPLATE}"')
    engine = make_engine(_with_database(url, _TEMPLATE))
    init_db(engine)
    engine.dispose()
    return _TEMPLATE


def drop_template() -> None:
    url = server_url()
    if url is not None and _template.cache_info().currsize:
        with _admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A URL of an empty-but-migrated database of its own, removed afterwards."""
    url = server_url()
    if url is None:
        yield f"sqlite:///{tmp_dir / 'cardscan.db'}"
        return
    template = _template(url)
    name = f"cardscan_test_{uuid.uuid4().hex[:12]}"
    with _admin(url) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    try:
        yield _with_database(url, name)
    finally:
        with _admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use_another_installation(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, data_dir: Path
) -> None:
    """Point the environment at a second installation: its data dir and — on PostgreSQL,
    where the database is not in the data dir — a database of its own."""
    monkeypatch.setenv("CARDSCAN_DATA_DIR", str(data_dir))
    if on_postgres():
        database = fresh_database(data_dir)
        monkeypatch.setenv("CARDSCAN_DATABASE_URL", database.__enter__())
        request.addfinalizer(lambda: database.__exit__(None, None, None))
