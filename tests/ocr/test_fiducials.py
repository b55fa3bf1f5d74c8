"""Corner marks: printed → rasterized (200/300 dpi) → filled by hand → scanned, then aligned
to the layout exactly; a wrong or damaged print falls back to the grid."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.geometry import MM_PER_INCH, geometry_of, registration, service_card
from forms.pdf import CardPrint, RegistrationPrint, write_cards, write_registrations
from ocr.cleanup import resize_to_long_side
from ocr.fiducials import align_by_marks, quarter_turns
from ocr.geometry import apply
from ocr.pipeline import (
    ALIGNED_BY_MARKS,
    CODE_PRINTED,
    MARKS_DISAGREE,
    WORK_LONG_SIDE,
    analyze_page,
)
from ocr.qr import read_qr_texts
from samples.content import Contact, Member, Visit
from samples.layout import FORM_DPI, draw_registration, draw_service_card, random_print_style
from samples.printed import fill_printed_card, rasterize
from samples.scanner import Capture, flatbed_scan, phone_photo

MEMBER = Member("JJ0123", "欧阳晓莉", "九三学社", "新桥镇", "13912345678", False)
CONTACT = Contact(4, "李秀英", "0523-84812345", "靖江市人民路1号")
VISITS = [
    Visit(dt.date(2027, 3, 5), "visit", "上门走访，听取意见建议", True),
    Visit(dt.date(2027, 6, 18), "phone", "电话问候", True),
]
CARD = CardPrint(2027, "SC1|2027|JJ0123|4", MEMBER.name, MEMBER.sector, MEMBER.phone,
                 MEMBER.committee, CONTACT.name, CONTACT.phone)
TOLERANCE_MM = 0.5


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("printed")
    write_cards([CARD, CardPrint(2027)], out / "cards.pdf")
    write_registrations([RegistrationPrint(2027, "RT1|2027|JJ0123", MEMBER.name)], out / "r.pdf")
    return {"cards": out / "cards.pdf", "registration": out / "r.pdf"}


@pytest.fixture(scope="module")
def filled(printed: dict[str, Path]) -> dict[int, np.ndarray]:
    """The personalized card, filled by the contact, as a sheet at 200 and at 300 dpi."""
    out = {}
    for dpi in (200, 300):
        sheet = rasterize(printed["cards"], dpi)[0]
        card = fill_printed_card(random.Random(dpi), sheet, dpi, CARD, MEMBER, CONTACT, VISITS)
        out[dpi] = card.image
    return out


def _jpeg(capture: Capture, quality: int = 70) -> np.ndarray:
    image = capture.image
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.asarray(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))


def _max_cell_error_mm(analysis_transform: np.ndarray, capture: Capture, sheet_dpi: int,
                       form: str, page_dpi: int = 200) -> float:
    """Largest distance (mm on paper) between a found cell's corners and the layout's."""
    page_to_sheet = np.linalg.inv(np.array(analysis_transform) @ capture.matrix)
    worst = 0.0
    geometry = geometry_of(form)
    page_s = page_dpi / MM_PER_INCH
    for rect in geometry.cells.values():
        corners = np.array([[rect.x, rect.y], [rect.x2, rect.y2]]) * page_s
        on_sheet = apply(page_to_sheet, corners) / (sheet_dpi / MM_PER_INCH)
        worst = max(worst, float(np.abs(on_sheet - [[rect.x, rect.y], [rect.x2, rect.y2]]).max()))
    return worst


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_flatbed_scans_align_exactly_in_any_turn(filled: dict[int, np.ndarray], dpi: int,
                                                 k: int) -> None:
    rng = random.Random(10 * dpi + k)
    capture = flatbed_scan(filled[dpi], rng, dpi=dpi, gray=True, k=k, crop_to_sheet=k % 2 == 0,
                           skew=rng.uniform(-2.5, 2.5), sheet_dpi=dpi)
    scan = _jpeg(capture)
    page = analyze_page(scan)
    assert page.form == "service_card"
    assert page.rotation == capture.rotation
    assert ALIGNED_BY_MARKS in page.notes and CODE_PRINTED in page.notes
    assert _max_cell_error_mm(np.array(page.transform), capture, dpi, "service_card") \
        < TOLERANCE_MM
    assert read_qr_texts(scan) == [CARD.code]


@pytest.mark.parametrize("k", [0, 2, 3])
def test_phone_photos_align_through_the_perspective(filled: dict[int, np.ndarray], k: int
                                                   ) -> None:
    rng = random.Random(70 + k)
    capture = phone_photo(filled[300], rng, k=k)
    page = analyze_page(_jpeg(capture, 88))
    assert page.form == "service_card" and page.rotation == capture.rotation
    assert ALIGNED_BY_MARKS in page.notes
    # The matrix maps the 300-dpi sheet: errors in mm on paper.
    assert _max_cell_error_mm(np.array(page.transform), capture, 300, "service_card") \
        < TOLERANCE_MM


@pytest.mark.parametrize("k", [0, 2])
def test_registration_aligns_and_is_told_from_a_card(printed: dict[str, Path], k: int) -> None:
    sheet = rasterize(printed["registration"], 200)[0]
    rgb = np.repeat(sheet[:, :, None], 3, axis=2)
    rng = random.Random(k)
    capture = flatbed_scan(rgb, rng, dpi=200, gray=True, k=k, crop_to_sheet=True, skew=1.0,
                           sheet_dpi=200)
    page = analyze_page(_jpeg(capture))
    assert page.form == "registration" and page.rotation == capture.rotation
    assert ALIGNED_BY_MARKS in page.notes
    assert _max_cell_error_mm(np.array(page.transform), capture, 200, "registration") \
        < TOLERANCE_MM
    assert set(page.fields) == set(registration().cells)


def test_blank_generic_card_aligns_without_a_code(printed: dict[str, Path]) -> None:
    sheet = rasterize(printed["cards"], 200)[1]
    capture = flatbed_scan(np.repeat(sheet[:, :, None], 3, axis=2), random.Random(5), dpi=200,
                           gray=True, k=2, crop_to_sheet=True, skew=-1.5, sheet_dpi=200)
    page = analyze_page(_jpeg(capture))
    assert page.form == "service_card" and page.rotation == 180
    assert ALIGNED_BY_MARKS in page.notes and CODE_PRINTED not in page.notes


def _covered_code(sheet: np.ndarray, dpi: int, share: float) -> np.ndarray:
    """The code's square with its left ``share`` under a white label (an address sticker)."""
    x, y, w, h = service_card().qr.px(dpi)
    out = sheet.copy()
    out[y - 5 : y + h + 5, x - 5 : x + int(w * share)] = 245
    return out


def test_half_covered_code_is_seen_as_printed_but_not_read(filled: dict[int, np.ndarray]
                                                          ) -> None:
    sheet = _covered_code(filled[300], 300, 0.5)
    capture = flatbed_scan(sheet, random.Random(3), dpi=300, gray=True, k=0, crop_to_sheet=True,
                           skew=0.8, sheet_dpi=300)
    scan = _jpeg(capture)
    assert read_qr_texts(scan) == []
    page = analyze_page(scan)
    assert ALIGNED_BY_MARKS in page.notes and CODE_PRINTED in page.notes


def test_marks_on_a_different_print_fall_back_to_the_grid() -> None:
    """Marks where the layout has them, but a table of another print run: the grid decides."""
    rng = random.Random(8)
    form = draw_service_card(rng, random_print_style(rng), year=2027, year_printed=True,
                             card_code=None)
    sheet = form.image.copy()
    for mark in service_card().marks:
        x, y, w, h = mark.px(FORM_DPI)
        sheet[y : y + h, x : x + w] = 20
    marked = align_by_marks(resize_to_long_side(sheet, WORK_LONG_SIDE)[0])
    assert marked is not None and not marked.aligned
    page = analyze_page(sheet)
    assert page.form == "service_card"
    assert MARKS_DISAGREE in page.notes and ALIGNED_BY_MARKS not in page.notes
    for key, (x, y, w, h) in form.cells.items():  # cut by the grid: still the right cells
        if key == "year":
            continue
        box = page.fields[key]
        back = apply(np.linalg.inv(np.array(page.transform)), np.array([[box.cx, box.cy]]))[0]
        assert x <= back[0] <= x + w and y <= back[1] <= y + h, key


def test_a_covered_mark_falls_back_to_the_grid(filled: dict[int, np.ndarray]) -> None:
    sheet = filled[200].copy()
    x, y, w, h = service_card().marks[2].px(200)
    sheet[y - 4 : y + h + 4, x - 4 : x + w + 4] = 240
    assert align_by_marks(cv2.cvtColor(sheet, cv2.COLOR_RGB2GRAY)) is None
    page = analyze_page(cv2.cvtColor(sheet, cv2.COLOR_RGB2GRAY))
    assert page.form == "service_card" and ALIGNED_BY_MARKS not in page.notes
    assert MARKS_DISAGREE not in page.notes


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_forms_without_marks_find_none(seed: int) -> None:
    """The generator's print runs (QR codes, filled tick boxes aside) have no corner marks."""
    rng = random.Random(seed)
    card = draw_service_card(rng, random_print_style(rng), year=2027, year_printed=False,
                             card_code="SC1|2027|JJ0001|1")
    r = draw_registration(rng, random_print_style(rng), card_code="RT1|2027|JJ0001")
    for sheet in (card.image, r.image):
        assert align_by_marks(resize_to_long_side(sheet, WORK_LONG_SIDE)[0]) is None


@given(
    angle=st.floats(-30, 30),
    turns=st.integers(0, 3),
    scale=st.floats(2.0, 12.0),
    shift=st.tuples(st.floats(-500, 500), st.floats(-500, 500)),
)
def test_quarter_turns_of_any_similarity(angle: float, turns: int, scale: float,
                                         shift: tuple[float, float]) -> None:
    """A page turned k quarter turns counter-clockwise (plus a skew under 45°) reads after k
    clockwise turns."""
    a = np.deg2rad(angle + 90 * turns)
    # Image y points down: a counter-clockwise turn on screen is a negative angle.
    rot = np.array([[np.cos(a), np.sin(a), 0.0], [-np.sin(a), np.cos(a), 0.0], [0, 0, 1.0]])
    image_from_mm = np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1.0]]) @ rot
    image_from_mm = image_from_mm @ np.diag([scale, scale, 1.0])
    assert quarter_turns(np.linalg.inv(image_from_mm)) == turns
