"""The demo command: generate, ingest, summarize; a rerun changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select
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


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    for command in ("ingest", "export", "serve", "demo", "samples"):
        assert command in result.output
