"""Bad input in one batch with good files: each bad file gets its own error code naming the
file and the reason, and every other file is ingested (a 500-page PDF, a page without a
form, a form scanned upside down among them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from api.cli_common import EXIT_FILES_FAILED
from api.settings import Settings
from ingest.errors import IngestError
from ingest.files import check_readable, sniff_kind
from ingest.pages import count_pages
from records.db import make_engine
from records.models import Field, Page, PageStatus, SourceFile
from tests.conftest import BAD_FILE_CODES, BAD_FILES_DIR, make_scans
from tests.data.make_bad_corpus import CORPUS, page_without_form, tiny_page_pdf, write_corpus

SAMPLE_CARD = Path(__file__).resolve().parents[1] / "data" / "batch-small" / "scans"
BIG_PDF_PAGES = 500


def _code_of(path: Path) -> str:
    try:
        check_readable(path)
        count_pages(
            path,
            kind=sniff_kind(path),
            render_dpi=300,
            max_pixels=120_000_000,
            max_pdf_pages=1000,
        )
    except IngestError as e:
        assert e.message.startswith(f"{path.name}: ")
        return e.code
    return "accepted"


def test_the_corpus_script_makes_files_with_the_expected_codes(tmp_path: Path) -> None:
    assert {name: code for name, (code, _) in CORPUS.items()} == BAD_FILE_CODES
    write_corpus(tmp_path, rewrite=True)
    assert {p.name: _code_of(p) for p in tmp_path.iterdir()} == BAD_FILE_CODES
    assert all(p.stat().st_size < 4096 for p in tmp_path.iterdir())
    # The committed corpus is the same set of files, with the same codes.
    assert {p.name: _code_of(p) for p in BAD_FILES_DIR.iterdir()} == BAD_FILE_CODES


def test_one_batch_with_every_bad_input_and_good_files(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "december"
    shutil.copytree(BAD_FILES_DIR, folder / "bad")
    scans = make_scans(folder / "good")
    tiny_page_pdf(folder / "big-500-pages.pdf", BIG_PDF_PAGES)
    page_without_form(folder / "photo-of-a-desk.png")
    card = cv2.imread(str(SAMPLE_CARD / "scan_0001.png"), cv2.IMREAD_GRAYSCALE)
    assert card is not None
    cv2.imwrite(str(folder / "card-upright.png"), card)
    cv2.imwrite(str(folder / "card-upside-down.png"), cv2.rotate(card, cv2.ROTATE_180))
    report_path = tmp_path / "report.json"

    result = CliRunner().invoke(app, ["ingest", str(folder), "--report", str(report_path)])

    assert result.exit_code == EXIT_FILES_FAILED, result.output
    report = json.loads(report_path.read_text())
    entries = {entry["name"]: entry for entry in report["files"]}
    for name, code in BAD_FILE_CODES.items():
        assert entries[name]["status"] == "failed"
        assert entries[name]["error_code"] == code
        assert entries[name]["message"].startswith(f"{name}: ")
        assert name in result.output  # the terminal names every failure
    accepted = {
        **scans.pages,
        "big-500-pages.pdf": BIG_PDF_PAGES,
        "photo-of-a-desk.png": 1,
        "card-upright.png": 1,
        "card-upside-down.png": 1,
    }
    for name, pages in accepted.items():
        assert (entries[name]["status"], entries[name]["pages"]) == ("ingested", pages), name
    assert report["summary"]["failed"] == len(BAD_FILE_CODES)

    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        files = {f.original_name: f for f in session.exec(select(SourceFile)).all()}
        stored = session.exec(select(Page).order_by(col(Page.id))).all()
        by_file: dict[str, list[Page]] = {}
        for page in stored:
            by_file.setdefault(files_by_id(files)[page.file_id], []).append(page)
        assert sum(len(v) for v in by_file.values()) == sum(accepted.values())
        assert sorted(p.page_no for p in by_file["big-500-pages.pdf"]) == list(range(1, 501))
        assert {p.form for p in by_file["big-500-pages.pdf"]} == {"blank"}

        (desk,) = by_file["photo-of-a-desk.png"]
        assert (desk.form, desk.status) == ("unknown", PageStatus.needs_review)

        (upright,) = by_file["card-upright.png"]
        (turned,) = by_file["card-upside-down.png"]
        assert (upright.form, upright.rotation) == ("service_card", 0)
        assert (turned.form, turned.rotation) == ("service_card", 180)
        # Read the same: same cells, same values. Being one sheet, it is kept once.
        assert _values(session, turned) == _values(session, upright)
        assert len(_values(session, upright)) > 20
        assert turned.status == PageStatus.duplicate
        assert turned.notes[-1] == f"duplicate_page:{upright.id}"
    engine.dispose()
    dup = report["duplicate_pages"]
    assert [(d["kind"], d["file_name"], d["original_file_name"]) for d in dup] == [
        ("same_page", "card-upside-down.png", "card-upright.png")
    ]


def files_by_id(files: dict[str, SourceFile]) -> dict[int | None, str]:
    return {f.id: name for name, f in files.items()}


def _values(session: Session, page: Page) -> dict[str, object]:
    fields = session.exec(select(Field).where(col(Field.page_id) == page.id)).all()
    return {f.key: f.value for f in fields}
