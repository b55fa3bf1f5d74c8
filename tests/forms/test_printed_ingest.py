"""Printed cards back through ingest: `cardscan print` → poppler at 200/300 dpi → handwriting →
scanner (skew, quarter turns, 180°, phone, JPEG) → `cardscan ingest`: every code read, identity
exact whatever the page order, cells where the layout puts them; a half-covered code falls
back to the handwriting and leaves identity to a reviewer."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings
from forms.geometry import MM_PER_INCH, service_card
from forms.pdf import CardPrint
from ocr.geometry import apply
from ocr.parse.codes import parse_card_code
from ocr.qr import read_qr_texts
from records.db import make_engine, session_scope
from records.linking import CODE_NOT_READ
from records.models import Field, Member, Page, SourceFile
from samples.content import Contact, Visit
from samples.content import Member as SampleMember
from samples.export import write_jpeg, write_pdf
from samples.printed import fill_printed_card, rasterize
from samples.scanner import Capture, flatbed_scan, phone_photo
from tests.forms.print_data import CONTACTS, ROSTER, YEAR, setup_database

runner = CliRunner()
VISITS = [
    Visit(dt.date(YEAR, 4, 2), "visit", "上门走访，听取意见建议", True),
    Visit(dt.date(YEAR, 9, 9), "other", "微信交流意见", False),
]
ALIGN_MM = 0.5


@dataclass
class Scanned:
    code: str
    capture: Capture
    sheet_dpi: int
    damaged: bool


def _card_parts(card: CardPrint) -> tuple[SampleMember, Contact]:
    parsed = parse_card_code(card.code or "")
    assert parsed is not None and parsed.contact_no is not None
    row = next(r for r in ROSTER if r.code == parsed.member_code)
    member = SampleMember(row.code, row.name, row.sector or "", row.committee or "",
                          row.phone or "", False)
    name, _phone = CONTACTS[parsed.member_code][parsed.contact_no]
    return member, Contact(parsed.contact_no, name, card.contact_phone or "", "")


def _cover_half_the_code(sheet: np.ndarray, dpi: int) -> np.ndarray:
    x, y, w, h = service_card().qr.px(dpi)
    out = sheet.copy()
    out[y - 4 : y + h + 4, x - 4 : x + w // 2] = 246  # a sticker over the code's left half
    return out


@pytest.fixture
def ingested(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
             ) -> tuple[Settings, list[Scanned], dict[tuple[str, int], Scanned]]:
    monkeypatch.setenv("CARDSCAN_DPI", "200")  # PDFs render at the dpi they were scanned at
    setup_database(settings)
    pdf = tmp_path / "cards.pdf"
    assert runner.invoke(cli, ["print", "cards", "--year", str(YEAR), "--output", str(pdf)]
                         ).exit_code == 0
    sheets = {200: rasterize(pdf, 200), 300: rasterize(pdf, 300)}
    printed = [read_qr_texts(sheet) for sheet in sheets[200]]  # which card is on which page
    assert all(len(codes) == 1 for codes in printed)
    plan = [  # (page of the printed PDF, dpi, device, quarter turns, code half covered)
        (2, 200, "flatbed", 2, False),
        (0, 200, "adf", 0, True),
        (3, 200, "adf", 1, False),
        (1, 300, "phone", 3, False),
    ]
    scans = tmp_path / "scans"
    scans.mkdir()
    pdf_pages: list[Capture] = []
    done: list[Scanned] = []
    for n, (index, dpi, device, k, damaged) in enumerate(plan):
        card = _card(printed[index][0])
        member, contact = _card_parts(card)
        rng = random.Random(n)
        filled = fill_printed_card(rng, sheets[dpi][index], dpi, card, member, contact, VISITS)
        image = _cover_half_the_code(filled.image, dpi) if damaged else filled.image
        if device == "phone":
            capture = phone_photo(image, rng, k=k)
            write_jpeg(scans / "IMG_0001.jpg", capture, quality=88)
        else:
            capture = flatbed_scan(image, rng, dpi=dpi, gray=True, k=k,
                                   crop_to_sheet=device == "adf", skew=rng.uniform(-1.5, 1.5),
                                   sheet_dpi=dpi)
            pdf_pages.append(capture)
        done.append(Scanned(card.code or "", capture, dpi, damaged))
    write_pdf(scans / "scan-001.pdf", pdf_pages, quality=75, when=time.gmtime(0))
    result = runner.invoke(cli, ["ingest", str(scans), "--workers", "1"])
    assert result.exit_code == 0, result.output
    pdf_scans = [d for d in done if d.capture.dpi != 72]  # phone photos say 72 dpi
    where = {("scan-001.pdf", i + 1): d for i, d in enumerate(pdf_scans)}
    where[("IMG_0001.jpg", 1)] = next(d for d in done if d.capture.dpi == 72)
    return settings, done, where


def _card(code: str) -> CardPrint:
    parsed = parse_card_code(code)
    assert parsed is not None and parsed.contact_no is not None
    name, phone = CONTACTS[parsed.member_code][parsed.contact_no]
    return CardPrint(YEAR, code, contact_name=name, contact_phone=phone)


def test_printed_cards_come_back_exactly(
    ingested: tuple[Settings, list[Scanned], dict[tuple[str, int], Scanned]],
) -> None:
    settings, _, where = ingested
    engine = make_engine(settings.database_url)
    geometry = service_card()
    with session_scope(engine) as session:
        members = {m.id: m.code for m in session.exec(select(Member))}
        pages = [  # the scans (the roster's confirmed forms R are pages too)
            (page, name)
            for page, name in session.exec(select(Page, SourceFile.original_name).join(SourceFile))
            if name in ("scan-001.pdf", "IMG_0001.jpg")
        ]
        assert sorted((name, page.page_no) for page, name in pages) == sorted(where)
        for page, name in pages:
            scanned = where[(name, page.page_no)]
            expected = parse_card_code(scanned.code)
            assert expected is not None
            assert page.form == "service_card"
            assert page.rotation == scanned.capture.rotation
            assert "aligned_by_marks" in page.notes and "code_printed" in page.notes
            query = select(Field).where(Field.page_id == page.id)
            fields = {f.key: f for f in session.exec(query)}
            if scanned.damaged:  # code half under a sticker: handwriting decides, a person checks
                assert page.card_code is None
                assert page.link_source == "handwriting"  # the printed names, read
                assert (members[page.member_id], page.contact_no) == (
                    expected.member_code, expected.contact_no)
                for key in ("member_name", "contact_name"):
                    assert fields[key].needs_review and fields[key].note == CODE_NOT_READ
            else:
                assert page.card_code == scanned.code
                assert page.link_source == "code"
                assert (members[page.member_id], page.contact_no) == (
                    expected.member_code, expected.contact_no)
            assert fields["rows.1.manner"].value == "visit"
            assert fields["rows.2.manner"].value == "other"
            # Cells aligned: each stored box, taken back to the paper, is the layout's cell.
            assert page.transform is not None and page.source_width is not None
            raw_from_capture = np.diag([page.source_width / scanned.capture.image.shape[1],
                                        page.source_height / scanned.capture.image.shape[0], 1.0])
            page_to_sheet = np.linalg.inv(
                np.array(page.transform) @ raw_from_capture @ scanned.capture.matrix)
            mm = MM_PER_INCH / scanned.sheet_dpi
            for key, rect in geometry.cells.items():
                x, y, w, h = fields[key].bbox
                corners = apply(page_to_sheet, np.array([[x, y], [x + w, y + h]], float)) * mm
                wanted = np.array([[rect.x, rect.y], [rect.x2, rect.y2]])
                assert np.abs(corners - wanted).max() < ALIGN_MM, key
    engine.dispose()
