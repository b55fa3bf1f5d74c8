"""Whole batches through `cardscan ingest`: pages stored, duplicates, reruns, bad files, report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import EXIT_FILES_FAILED, EXIT_OK, app
from api.settings import Settings
from records.db import make_engine
from records.models import Batch, BatchStatus, Page, PageStatus, SourceFile
from tests.conftest import BAD_FILE_CODES, BAD_FILES_DIR, Scans
from tests.db.servers import on_postgres, use_another_installation

runner = CliRunner()


def ingest(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def stored(settings: Settings) -> tuple[list[SourceFile], list[Page]]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        files = list(session.exec(select(SourceFile).order_by(col(SourceFile.id))).all())
        pages = list(session.exec(select(Page).order_by(col(Page.file_id), col(Page.page_no))))
    engine.dispose()
    return files, pages


def test_every_page_is_stored_with_name_number_and_hash(settings: Settings, scans: Scans) -> None:
    code, output = ingest(scans.folder)
    assert code == EXIT_OK, output
    files, pages = stored(settings)
    by_id = {f.id: f for f in files}
    seen = {(by_id[p.file_id].original_name, p.page_no) for p in pages}
    expected = {(name, n) for name, count in scans.pages.items() for n in range(1, count + 1)}
    assert seen == expected
    for page in pages:
        source = by_id[page.file_id]
        assert len(source.sha256) == 64
        assert source.stored_path and (settings.data_dir / source.stored_path).is_file()
        assert page.status == PageStatus.needs_review
        assert page.image_path and (settings.data_dir / page.image_path).is_file()
        assert page.width and page.height


def test_duplicate_in_the_same_batch_is_reported_and_stored_once(
    settings: Settings, scans: Scans, tmp_path: Path
) -> None:
    shutil.copy(scans.path("cards-2pages.pdf"), scans.path("zz-copy-of-cards.pdf"))
    report = tmp_path / "report.json"
    code, _ = ingest(scans.folder, "--report", report)
    assert code == EXIT_OK
    entries = {f["name"]: f for f in json.loads(report.read_text())["files"]}
    assert entries["zz-copy-of-cards.pdf"]["status"] == "duplicate"
    assert entries["zz-copy-of-cards.pdf"]["pages"] == 0
    files, pages = stored(settings)
    assert sum(1 for f in files if f.status == "ingested") == len(scans.pages)
    assert len(pages) == sum(scans.pages.values())
    assert len(list((settings.data_dir / "files").rglob("*.pdf"))) == 1


def test_rerun_stores_nothing_new(settings: Settings, scans: Scans, tmp_path: Path) -> None:
    assert ingest(scans.folder)[0] == EXIT_OK
    _, pages_before = stored(settings)
    report = tmp_path / "again.json"
    code, _ = ingest(scans.folder, "--report", report)
    assert code == EXIT_OK
    assert {f["status"] for f in json.loads(report.read_text())["files"]} == {"duplicate"}
    files, pages_after = stored(settings)
    assert len(pages_after) == len(pages_before)
    assert sum(1 for f in files if f.status == "ingested") == len(scans.pages)


def test_bad_files_fail_with_their_codes_while_the_rest_ingests(
    settings: Settings, scans: Scans, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(BAD_FILES_DIR, bad)
    report = tmp_path / "report.json"
    code, output = ingest(scans.folder, bad, tmp_path / "missing.pdf", "--report", report)
    assert code == EXIT_FILES_FAILED
    result = json.loads(report.read_text())
    entries = {f["name"]: f for f in result["files"]}
    for name, error_code in BAD_FILE_CODES.items():
        assert entries[name]["status"] == "failed"
        assert entries[name]["error_code"] == error_code
        assert entries[name]["message"].startswith(f"{name}: ")
        assert name in output
    assert entries["missing.pdf"]["error_code"] == "not_found"
    for name, pages in scans.pages.items():
        assert entries[name] == {**entries[name], "status": "ingested", "pages": pages}
    _, stored_pages = stored(settings)
    assert len(stored_pages) == sum(scans.pages.values())


def test_report_shape(settings: Settings, scans: Scans, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    ingest(scans.path("card-single.png"), "--report", report, "--received-date", "2026-12-01")
    result = json.loads(report.read_text())
    assert isinstance(result["batch_id"], int)
    assert result["summary"]["ingested"] == 1
    assert result["summary"]["pages_by_form"] == {"unknown": 1}
    (entry,) = result["files"]
    assert set(entry) >= {"name", "status", "pages", "error_code", "message"}
    assert entry["name"] == "card-single.png"
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        batch = session.get_one(Batch, result["batch_id"])
        assert batch.status == BatchStatus.done
        assert str(batch.received_date) == "2026-12-01"
        assert (batch.files_ingested, batch.pages_total) == (1, 1)
    engine.dispose()


def test_bad_received_date_is_a_usage_error(settings: Settings, scans: Scans) -> None:
    code, output = ingest(scans.folder, "--received-date", "1 Dec")
    assert code == 2
    assert "2026-12-01" in output


def test_two_data_dirs_share_nothing(
    settings: Settings,
    scans: Scans,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    assert ingest(scans.path("card-single.png"))[0] == EXIT_OK
    use_another_installation(monkeypatch, request, tmp_path / "other")
    other = Settings()
    report = tmp_path / "r.json"
    ingest(scans.path("card-single.png"), "--report", report)
    assert json.loads(report.read_text())["files"][0]["status"] == "ingested"
    assert other.database_url != settings.database_url
    assert on_postgres() or (tmp_path / "other" / "cardscan.db").is_file()
    assert len(stored(settings)[1]) == 1
