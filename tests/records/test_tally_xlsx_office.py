"""The tally workbook opens in LibreOffice: it converts to a PDF holding the Chinese headers."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from records.assessment_rules import default_rules
from records.tally import compute_tally
from records.tally_export import tally_xlsx
from records.tally_records import ContactRecord, MemberRecord, PageRecord, RowRecord, YearRecords

YEAR = 2026


def small_tally_records() -> YearRecords:
    members = (
        MemberRecord(1, "JJ0001", "孟波春", "民革", "新桥镇", standing=True),
        MemberRecord(2, "JJ0002", "张伟", "民盟", "靖城街道"),
    )
    contacts = tuple(ContactRecord(1, no, f"联系人{no}", "13912345678") for no in range(1, 6))
    rows = tuple(RowRecord(i, date(YEAR, 3 + i, 9), "visit") for i in range(1, 4))
    cards = [
        PageRecord(10 + no, 1, "service_card", True, date(YEAR, 11, 20), no, rows)
        for no in range(1, 5)
    ]
    pages = (PageRecord(10, 1, "registration", True, date(YEAR, 4, 1)), *cards)
    return YearRecords(YEAR, members, contacts, pages)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (scripts/setup.sh)")
def test_workbook_converts_to_pdf_with_libreoffice(tmp_path: Path) -> None:
    tally = compute_tally(small_tally_records(), default_rules(YEAR))
    workbook = tmp_path / "tally.xlsx"
    workbook.write_bytes(tally_xlsx(tally))
    profile = (tmp_path / "lo-profile").as_uri()  # a profile of its own: no lock on a shared one
    done = subprocess.run(
        [
            "soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )  # fmt: skip
    pdf = tmp_path / "tally.pdf"
    assert done.returncode == 0 and pdf.is_file(), done.stderr.decode(errors="replace")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout.decode("utf-8")
        assert "委员编号" in text and "联系对象 5 服务卡未收到" in text
