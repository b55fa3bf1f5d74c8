"""What every database engine does alike: SQLite and PostgreSQL refuse NUL in text the same
way (PostgreSQL cannot store it), and timestamps come back aware, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.settings import Settings
from records import crud
from records.db import NulInText, init_db, make_engine
from records.models import Batch
from tests.conftest import add_user


def test_text_with_nul_is_refused_and_nothing_is_written(database_url: str) -> None:
    engine = make_engine(database_url)
    init_db(engine)
    with Session(engine) as session, pytest.raises(NulInText):
        crud.create_batch(session, name="a\x00b")
    with Session(engine) as session:
        assert session.get(Batch, 1) is None
    engine.dispose()


def test_the_api_answers_422_for_nul_in_text(settings: Settings) -> None:
    headers = add_user(settings, "admin1", "admin")
    with TestClient(create_app(settings), headers=headers) as client:
        refused = client.post("/api/v1/auth/tokens", json={"label": "a\u0000b"})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_input"
        assert client.post("/api/v1/auth/tokens", json={"label": "ab"}).status_code in (200, 201)


def test_timestamps_come_back_in_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    init_db(engine)
    beijing = timezone(timedelta(hours=8))
    with Session(engine) as session:
        batch = crud.create_batch(session, name="b")
        batch.finished_at = datetime(2026, 12, 1, 9, 30, tzinfo=beijing)
        session.commit()
        batch_id = batch.id
    with Session(engine) as session:
        finished = session.get_one(Batch, batch_id).finished_at
    assert finished == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert finished is not None and finished.utcoffset() == timedelta(0)
    engine.dispose()
