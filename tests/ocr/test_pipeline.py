"""Page analysis on drawn grids: form, quarter turn, skew, perspective, field cells."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.cleanup import ink_mask
from ocr.geometry import apply, turn_matrix
from ocr.grid import find_cells, group_rows, line_masks, outermost
from ocr.pipeline import analyze_page
from ocr.types import AnalysisOptions
from tests.ocr.drawing import registration, service_card

FORMS = {"service_card": service_card, "registration": registration}


def _scan(img: np.ndarray, quarter_turns: int, angle: float, perspective: float, seed: int):
    """Distort a drawn form like a scanner or a phone; returns the scan and form→scan matrix."""
    rng = np.random.default_rng(seed)
    h, w = img.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = perspective * min(w, h)
    dst = src + rng.uniform(-jitter, jitter, (4, 2)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst).astype(np.float64)
    c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    matrix = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ matrix
    corners = apply(matrix, src)
    x0, y0 = corners.min(axis=0) - 30
    x1, y1 = corners.max(axis=0) + 30
    matrix = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ matrix
    size = (int(x1 - x0), int(y1 - y0))
    out = cv2.warpPerspective(img, matrix, size, borderValue=190)
    # The scan lies turned counter-clockwise: reading it takes ``quarter_turns`` clockwise.
    matrix = turn_matrix(-quarter_turns % 4, *size) @ matrix
    out = np.ascontiguousarray(np.rot90(out, quarter_turns))
    noisy = out.astype(np.int16) + rng.normal(0, 6, out.shape).astype(np.int16)
    return np.clip(noisy, 0, 255).astype(np.uint8), matrix


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3])
def test_form_rotation_and_cells(form: str, quarter_turns: int) -> None:
    drawn, truth = FORMS[form](line=2)
    scan, form_to_scan = _scan(
        drawn, quarter_turns, angle=2.5, perspective=0.03, seed=quarter_turns
    )
    page = analyze_page(scan)
    assert page.form == form
    assert page.rotation == 90 * quarter_turns
    page_to_form = np.linalg.inv(np.array(page.transform) @ form_to_scan)
    for key, (x, y, w, h) in truth.items():
        box = page.fields[key]
        corners = apply(
            page_to_form,
            np.array(
                [[box.x, box.y], [box.x2, box.y], [box.x2, box.y2], [box.x, box.y2]], dtype=float
            ),
        )
        tol = 4
        assert (corners[:, 0] >= x - tol).all() and (corners[:, 0] <= x + w + tol).all(), key
        assert (corners[:, 1] >= y - tol).all() and (corners[:, 1] <= y + h + tol).all(), key


def test_output_page_is_upright_at_requested_scale() -> None:
    drawn, _ = service_card()
    page = analyze_page(np.ascontiguousarray(np.rot90(drawn)))
    height, width = page.image.shape
    assert width > height  # a service card is landscape
    assert page.image.dtype == np.uint8
    # The record table spans 190 mm at 200 dpi.
    span = page.fields["rows.1.signed"].x2 - page.fields["rows.1.date"].x
    assert 0.7 * 1496 < span < 1496


def test_blank_and_unknown_pages() -> None:
    rng = np.random.default_rng(3)
    blank = np.clip(rng.normal(240, 4, (1400, 1000)), 0, 255).astype(np.uint8)
    assert analyze_page(blank).form == "blank"
    backside = blank.copy()
    backside[:, :6] = 90  # the scanner's shadow along the sheet's edge
    backside[300:330, 200:800] = 215  # faint bleed-through of the front
    assert analyze_page(backside).form == "blank"
    letter = blank.copy()
    for i in range(25):  # lines of "text", no ruled table
        for j in range(30):
            cv2.rectangle(letter, (80 + j * 28, 100 + i * 45), (98 + j * 28, 122 + i * 45), 30, 2)
    result = analyze_page(letter)
    assert result.form == "unknown"
    assert result.fields == {}


def test_handwriting_loops_inside_cells_do_not_split_rows() -> None:
    drawn, truth = service_card()
    x, y, _w, h = truth["rows.2.content"]
    cv2.rectangle(drawn, (x + 10, y + 8), (x + 60, y + h - 8), 0, 3)  # a big 口
    ink = ink_mask(drawn)
    horizontal, vertical = line_masks(ink, 30)
    cells = find_cells(cv2.bitwise_or(horizontal, vertical), 10, 10)
    rows = group_rows(outermost(cells))
    assert [len(r) for r in rows][-9:] == [5] * 9


def test_struck_through_and_faint_rows_still_fit_the_columns() -> None:
    drawn, truth = service_card()
    x, y, w, h = truth["rows.3.content"]
    cv2.line(drawn, (x - 3, y + h // 2), (x + w + 3, y + h // 2), 0, 3)  # a strike-through
    x, y, w, h = truth["rows.5.manner"]
    drawn[y + 3 : y + h - 3, x - 4 : x + 4] = 245  # a line the printer left out
    page = analyze_page(drawn)
    assert page.form == "service_card"
    for key in ("rows.3.content", "rows.5.date", "rows.5.manner"):
        bx, by, bw, bh = truth[key]
        box = page.fields[key]
        # Same scale check as the other tests, through the page transform.
        corners = apply(
            np.linalg.inv(np.array(page.transform)),
            np.array([[box.x, box.y], [box.x2, box.y2]], dtype=float),
        )
        assert bx - 6 <= corners[0, 0] and corners[1, 0] <= bx + bw + 6, key
        assert by - 6 <= corners[0, 1] and corners[1, 1] <= by + bh + 6, key


def test_debug_images_only_when_asked() -> None:
    drawn, _ = service_card()
    assert analyze_page(drawn).debug == {}
    debug = analyze_page(drawn, AnalysisOptions(keep_debug_images=True)).debug
    assert set(debug) == {"flat", "grid"}
    assert debug["grid"].shape == debug["flat"].shape
    assert debug["grid"].max() == 255  # the ruled lines were found


def test_year_box_skips_a_qr_code_beside_it() -> None:
    drawn, _ = service_card()
    width = drawn.shape[1]
    m = width // 18
    year_x0 = int(width * 0.72)
    rng = np.random.default_rng(5)
    modules = rng.integers(0, 2, (21, 21)).astype(np.uint8) * 245
    qr = cv2.resize(modules, (int(m * 1.1), int(m * 1.1)), interpolation=cv2.INTER_NEAREST)
    # Printed just after the year, as on the cards the system prints (issue 7).
    qx, qy = year_x0 + int(0.09 * width), m // 16
    drawn[qy : qy + qr.shape[0], qx : qx + qr.shape[1]] = qr
    # A stray bit of the code's edge, apart from the fused square (as scanners leave).
    sy, sx = qy + qr.shape[0] - 10, qx + qr.shape[1] + 20
    drawn[sy : sy + 14, sx : sx + 14] = 0
    page = analyze_page(drawn)
    to_form = np.linalg.inv(np.array(page.transform))
    box = page.fields["year"]
    (x0, _), (x1, _) = apply(to_form, np.array([[box.x, box.y], [box.x2, box.y2]], dtype=float))
    assert x0 <= year_x0 + 12 and year_x0 + 20 <= x1 <= qx, (x0, x1, year_x0, qx)


def test_cells_beside_a_leaked_cell_are_kept() -> None:
    # Writing over the line between the section row and the name cell joins the
    # two into one L-shaped region; the label and sector cells beside it stay.
    drawn, truth = registration()
    x, y, w, _h = truth["member_name"]
    drawn[y - 4 : y + 4, x + w // 3 : x + w // 3 + 12] = 250
    page = analyze_page(drawn)
    assert page.form == "registration"
    to_form = np.linalg.inv(np.array(page.transform))
    for key in ("member_name", "sector", "member_phone"):
        bx, by, bw, bh = truth[key]
        box = page.fields[key]
        (x0, y0), (x1, y1) = apply(
            to_form, np.array([[box.x, box.y], [box.x2, box.y2]], dtype=float)
        )
        assert bx - 6 <= x0 and x1 <= bx + bw + 6 and by - 6 <= y0 and y1 <= by + bh + 6, key
