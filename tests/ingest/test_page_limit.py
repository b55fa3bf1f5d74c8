"""A PDF with more pages than `max_pdf_pages` fails as `too_many_pages`; the batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from api.cli import EXIT_FILES_FAILED, app
from api.settings import Settings
from ingest.errors import TooManyPages
from ingest.pages import count_pages
from tests.conftest import Scans, form_like_page


def three_page_pdf(path: Path) -> Path:
    pages = [Image.fromarray(form_like_page(100 + i)) for i in range(3)]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=100)
    return path


def test_count_pages_refuses_a_pdf_over_the_limit(tmp_path: Path) -> None:
    pdf = three_page_pdf(tmp_path / "long.pdf")
    assert count_pages(pdf, kind="pdf", render_dpi=100, max_pixels=10**8, max_pdf_pages=3) == 3
    with pytest.raises(TooManyPages) as refused:
        count_pages(pdf, kind="pdf", render_dpi=100, max_pixels=10**8, max_pdf_pages=2)
    assert refused.value.code == "too_many_pages"
    assert refused.value.message.startswith("long.pdf: it has 3 pages, above the limit of 2")
    assert "CARDSCAN_MAX_PDF_PAGES" in refused.value.message


def test_cli_ingest_fails_only_the_long_pdf(
    settings: Settings, scans: Scans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARDSCAN_MAX_PDF_PAGES", "2")
    three_page_pdf(scans.path("long.pdf"))
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["ingest", str(scans.folder), "--report", str(report)])
    assert result.exit_code == EXIT_FILES_FAILED, result.output
    entries = {f["name"]: f for f in json.loads(report.read_text())["files"]}
    assert entries["long.pdf"]["status"] == "failed"
    assert entries["long.pdf"]["error_code"] == "too_many_pages"
    assert entries["cards-2pages.pdf"]["status"] == "ingested"  # at the limit is fine
    assert all(entries[name]["status"] == "ingested" for name in scans.pages)
