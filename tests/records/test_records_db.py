"""Engine pragmas and the constraints that keep one stored copy per file content."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.settings import Settings
from records import crud
from records.db import init_db, make_engine, session_scope
from records.models import PageStatus
from tests.db.servers import on_postgres


@pytest.mark.skipif(on_postgres(), reason="SQLite pragmas; the run is on PostgreSQL")
def test_sqlite_runs_in_wal_with_foreign_keys(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() > 0
    engine.dispose()


def _file(session: Session, batch_id: int, status: str) -> int:
    source = crud.add_source_file(
        session,
        batch_id=batch_id,
        original_name="scan.pdf",
        sha256="ab" * 32,
        size=10,
        kind="pdf",
        status=status,
        pages=1,
        stored_path=None,
    )
    assert source.id is not None
    return source.id


def test_one_ingested_row_per_sha256_but_duplicates_may_repeat(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        batch = crud.create_batch(session, name="b")
        assert batch.id is not None
        _file(session, batch.id, "ingested")
        _file(session, batch.id, "duplicate")
        _file(session, batch.id, "duplicate")
        batch_id = batch.id
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        _file(session, batch_id, "ingested")
    engine.dispose()


def test_page_numbers_are_unique_per_file(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    page = dict(
        status=PageStatus.needs_review,
        form="unknown",
        rotation=0,
        image_path=None,
        width=None,
        height=None,
        transform=None,
        notes=(),
        error=None,
        boxes={},
    )
    with session_scope(engine) as session:
        batch = crud.create_batch(session, name="b")
        assert batch.id is not None
        file_id = _file(session, batch.id, "ingested")
        batch_id = batch.id
        crud.record_page(session, batch_id=batch_id, file_id=file_id, page_no=1, **page)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        crud.record_page(session, batch_id=batch_id, file_id=file_id, page_no=1, **page)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        crud.record_page(session, batch_id=batch_id, file_id=9999, page_no=1, **page)
    engine.dispose()
