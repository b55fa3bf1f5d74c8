"""The demo command: generate, ingest, summarize; a rerun changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from records.db import make_engine
from records.models import Batch, Page

runner = CliRunner()


def _counts(settings: Settings) -> tuple[int, int]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        pages = session.exec(select(func.count()).select_from(Page)).one()
        batches = session.exec(select(func.count()).select_from(Batch)).one()
    engine.dispose()
    return int(pages), int(batches)


def test_demo_is_idempotent(settings: Settings) -> None:
    pytest.importorskip("samples.batch", reason="the sample generator has not landed yet")
    first = runner.invoke(app, ["demo", "--seed", "3", "--members", "1", "--no-serve"])
    assert first.exit_code == 0, first.output
    pages, batches = _counts(settings)
    assert pages > 0 and batches == 1
    again = runner.invoke(app, ["demo", "--seed", "3", "--members", "1", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "already ingested" in again.output
    assert _counts(settings) == (pages, batches)


def test_demo_loads_its_roster_and_prints_a_working_sign_in(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from records.models import Member

    result = runner.invoke(app, ["demo", "--seed", "3", "--members", "2", "--no-serve"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "sign in" in x)
    password = line.split("password")[-1].strip()
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        members = session.exec(select(Member)).all()
        linked = session.exec(
            select(func.count()).select_from(Page).where(col(Page.member_id).is_not(None))
        ).one()
    engine.dispose()
    assert len(members) == 2 and linked > 0  # the cards were linked while ingested
    with TestClient(create_app(settings)) as client:
        signed = client.post("/api/v1/auth/login", json={"name": "demo", "password": password})
        assert signed.status_code == 200
        assert signed.json()["user"]["role"] == "admin"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    for command in ("ingest", "export", "serve", "demo", "samples"):
        assert command in result.output
