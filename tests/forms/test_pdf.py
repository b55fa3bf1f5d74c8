"""The PDFs: exact paper size at 100 %, fonts embedded, and the raster matches the layout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from forms.geometry import FormGeometry, registration, service_card
from forms.pdf import CardPrint, RegistrationPrint, write_cards, write_registrations
from ocr.qr import read_qr_texts
from samples.printed import rasterize

CARD = CardPrint(2027, "SC1|2027|JJ0123|4", "欧阳晓莉", "社会福利和社会保障界", "13912345678",
                 "江阴-靖江工业园区", "李秀英", "0523-84812345")
FORM_R = RegistrationPrint(2027, "RT1|2027|JJ0123", "欧阳晓莉", "民革", "13912345678", "新桥镇")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    write_cards([CARD, CardPrint(2027)], out / "cards.pdf")
    write_registrations([FORM_R, RegistrationPrint(None)], out / "r.pdf")
    return {"service_card": out / "cards.pdf", "registration": out / "r.pdf"}


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(("form", "points"), [("service_card", "595.276 x 419.528"),
                                              ("registration", "595.276 x 841.89")])
def test_paper_size_fonts_and_scaling(pdfs: dict[str, Path], form: str, points: str) -> None:
    info = _run("pdfinfo", str(pdfs[form]))
    assert f"Page size:       {points} pts" in info  # A5 landscape, A4 portrait
    assert "Pages:           2" in info
    fonts = _run("pdffonts", str(pdfs[form])).splitlines()[2:]
    assert fonts, "no fonts listed"
    for line in fonts:  # every font embedded as a subset, with a Unicode map (copyable text)
        emb, sub, uni = line.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line
    assert b"/PrintScaling /None" in pdfs[form].read_bytes()


def _ink(sheet: np.ndarray, box: tuple[int, int, int, int], inset: int = 3) -> float:
    x, y, w, h = box
    return float((sheet[y + inset : y + h - inset, x + inset : x + w - inset] < 128).mean())


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("form", ["service_card", "registration"])
def test_raster_follows_the_layout(pdfs: dict[str, Path], form: str, dpi: int) -> None:
    geometry: FormGeometry = service_card() if form == "service_card" else registration()
    personal, blank = rasterize(pdfs[form], dpi)
    # poppler rounds the page up to whole pixels; the scale is exactly dpi.
    size = geometry.page_px(dpi)
    assert abs(personal.shape[1] - size[0]) <= 1 and abs(personal.shape[0] - size[1]) <= 1
    for mark in geometry.marks:
        assert _ink(personal, mark.px(dpi), inset=2) > 0.98  # solid squares
    s = dpi / 25.4
    for rule in geometry.rules:  # every ruled line is printed where the layout says
        mid_x, mid_y = round((rule.x0 + rule.x1) / 2 * s), round((rule.y0 + rule.y1) / 2 * s)
        window = personal[mid_y - 2 : mid_y + 3, mid_x - 2 : mid_x + 3]
        assert window.min() < 100, rule
    assert _ink(personal, geometry.cells["member_name"].px(dpi)) > 0.01  # printed name
    assert _ink(blank, geometry.cells["member_name"].px(dpi)) == 0.0
    if form == "service_card":  # the record rows are left for the contact to write in
        assert _ink(personal, geometry.cells["rows.1.date"].px(dpi)) == 0.0
        assert _ink(personal, geometry.cells["rows.8.content"].px(dpi)) == 0.0
    qr = geometry.qr.px(dpi)
    assert _ink(personal, qr) > 0.2 and _ink(blank, qr) == 0.0
    code = CARD.code if form == "service_card" else FORM_R.code
    assert read_qr_texts(personal) == [code]


def test_long_values_are_shrunk_into_their_cell(pdfs: dict[str, Path]) -> None:
    """The longest sector and committee stay inside their blanks (no ink on the lines' far
    side: the cell right of each is a label cell that holds its own label only)."""
    sheet = rasterize(pdfs["service_card"], 300)[0]
    g = service_card()
    for key in ("sector", "committee"):
        x, y, w, h = g.cells[key].px(300)
        column_right = sheet[y + 4 : y + h - 4, x + w - 6 : x + w - 2]
        assert column_right.min() > 150, key  # text ends before the cell's right line
