"""End to end: the committed sample batch through `cardscan ingest` to stored pages.

Every page of every file must be stored once, with the form, rotation and field
cells of the generator's ground truth (scored as the benchmark scores them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from benchmarks.batch_truth import read_batch_truth
from benchmarks.page_truth import load_stored_pages, score_stored
from records.db import make_engine
from records.models import Page

BATCH = Path(__file__).parent / "data" / "batch-small"


def test_sample_batch_pages_have_truth_form_rotation_and_cells(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARDSCAN_DPI", "200")
    result = CliRunner().invoke(app, ["ingest", str(BATCH / "scans")])
    assert result.exit_code == 0, result.output

    batch = read_batch_truth(BATCH)
    truth = batch.pages
    stored = load_stored_pages(Settings().database_url, batch)
    # One stored page per page of each distinct file: the duplicate adds none.
    distinct = {batch.key(t) for t in truth}
    assert set(stored) == distinct
    with Session(make_engine(Settings().database_url)) as session:
        page_rows = session.exec(select(func.count()).select_from(Page)).one()
    assert page_rows == len(distinct)  # no page doubled

    forms = [t for t in truth if t["form"] in ("service_card", "registration")]
    assert {t["form"] for t in forms} == {"service_card", "registration"}
    for t in truth:
        page, boxes = stored[batch.key(t)]
        score = score_stored(t, page, boxes)
        where = f"{t['source']} {t['form']}/{t['rotation']} -> {page.form}/{page.rotation}"
        assert score.form_ok, where
        assert score.rotation_ok, where
        assert score.all_cells, f"{where}: missed {score.missed}"


def test_sample_batch_fields_are_read_linked_and_routed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the roster loaded, the committed batch reads as the benchmark expects: marks,
    signatures, blank rows, links and card codes all right; nearly every field right; and
    the fields not sent to review right."""
    from benchmarks.bench_fields import score_run

    monkeypatch.setenv("CARDSCAN_DPI", "200")
    manifest = json.loads((BATCH / "manifest.json").read_text(encoding="utf-8"))
    roster = CliRunner().invoke(
        app, ["roster", "import", str(BATCH / "roster.csv"), "--year", str(manifest["year"])]
    )
    assert roster.exit_code == 0, roster.output
    result = CliRunner().invoke(app, ["ingest", str(BATCH / "scans")])
    assert result.exit_code == 0, result.output

    scores = score_run(BATCH, settings.data_dir, settings.database_url)
    assert scores.links.total > 0 and scores.links.right == scores.links.total, scores.wrong
    assert scores.codes.total > 0 and scores.codes.right == scores.codes.total
    assert scores.rows.right == scores.rows.total
    for name in ("manner", "signed"):
        written = scores.written_rows[name]
        assert written.total > 0 and written.right == written.total, name
    total = scores.overall()
    assert total.right >= 0.95 * total.total, scores.wrong[:20]
    assert total.unmarked >= 0.6 * total.total
    assert total.unmarked_right >= 0.99 * total.unmarked, [w for w in scores.wrong if "NOT" in w]
