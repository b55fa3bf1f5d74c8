"""The page-analysis pipeline: a scan in, a straightened page cut into field cells out.

A form printed by cardscan (``forms/pdf.py``) is aligned by its four corner marks
and cut by its printed layout (``ocr/fiducials.py``). Any other page goes through
the stages below, each a pure function over arrays (see ``docs/ARCHITECTURE.md``):

1. shrink the scan to a working size and mark its ink;
2. find the largest ruled table and its four corners (skew, any quarter turn
   and the perspective of a phone photo all live in those corners);
3. warp the table flat, find its ruled lines and cells;
4. match the cells against forms R and S in all four quarter turns: form,
   orientation and the field of every cell;
5. compose one homography from the raw scan to the upright output page and
   warp the full-resolution scan once; clean up the background.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from forms.geometry import MM_PER_INCH
from ocr import cleanup
from ocr.fiducials import MarkAlignment, align_by_marks, quarter_turns
from ocr.geometry import (
    Matrix,
    as_tuple,
    quad_corners,
    quad_size,
    scale_matrix,
    transform_box,
    translate_matrix,
    turn_matrix,
)
from ocr.grid import find_cells, find_tables, line_masks, outermost
from ocr.layout import FormMatch, match_form
from ocr.types import AnalysisOptions, Box, PageAnalysis
from ocr.year import find_year_box

WORK_LONG_SIDE = 1600  # px of the shrunken scan used to find the table
TABLE_LONG_SIDE = 1100  # px of the table's long side while its cells are found
# Measured on 44 generated blank backsides (at most 1.3e-5) against cover letters
# (at least 0.014) and phone photos of cards (at least 0.22): a wide gap.
BLANK_DARK_FRACTION = 0.001
ALIGNED_BY_MARKS = "aligned_by_marks"  # notes: how the page was cut, and what it carries
CODE_PRINTED = "code_printed"
MARKS_DISAGREE = "marks_grid_mismatch"

# Nominal printed sizes (mm): the table's width sets the output scale, margins
# around the tables keep the title, year, code and notes on the page.
TABLE_WIDTH_MM = {"service_card": 190.0, "registration": 175.0}
MARGINS_MM = {  # left, top, right, bottom
    "service_card": (12.0, 32.0, 12.0, 16.0),
    "registration": (18.0, 34.0, 18.0, 40.0),
}


def analyze_page(gray: np.ndarray, options: AnalysisOptions | None = None) -> PageAnalysis:
    """Straighten, classify and cut one grayscale page into its field cells.

    A form printed by cardscan is aligned by its corner marks and cut by its printed
    layout; any other page (or a printed one whose lines disagree) by its ruled grid.
    """
    options = options or AnalysisOptions()
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    small, shrink = cleanup.resize_to_long_side(gray, WORK_LONG_SIDE)
    raw_to_small = scale_matrix(shrink)
    marked = align_by_marks(small)
    if marked is not None and marked.aligned:
        return _from_marks(gray, marked, raw_to_small, options)
    analysis = _from_grid(gray, small, raw_to_small, options)
    if marked is not None:  # four marks, but the ruled lines are not where the layout says
        analysis = replace(analysis, notes=(*analysis.notes, MARKS_DISAGREE))
    return analysis


def _from_marks(
    gray: np.ndarray, marked: MarkAlignment, raw_to_small: Matrix, options: AnalysisOptions
) -> PageAnalysis:
    """The whole printed page, upright at ``output_dpi``; every cell from the layout."""
    geometry = marked.geometry
    raw_to_page = scale_matrix(options.output_dpi / MM_PER_INCH) @ marked.mm_from_image
    raw_to_page = raw_to_page @ raw_to_small
    page_size = geometry.page_px(options.output_dpi)
    page = cv2.warpPerspective(
        gray, raw_to_page, page_size, flags=cv2.INTER_LINEAR, borderValue=255
    )
    fields = {key: Box(*rect.px(options.output_dpi)) for key, rect in geometry.cells.items()}
    notes = (ALIGNED_BY_MARKS, CODE_PRINTED) if marked.code_printed else (ALIGNED_BY_MARKS,)
    return PageAnalysis(
        form=geometry.form,
        rotation=90 * quarter_turns(marked.mm_from_image),
        transform=as_tuple(raw_to_page),
        image=cleanup.flatten_background(page),
        fields=fields,
        notes=notes,
    )


def _from_grid(
    gray: np.ndarray, small: np.ndarray, raw_to_small: Matrix, options: AnalysisOptions
) -> PageAnalysis:
    """Find the ruled table, match it against forms R and S, and cut the page by it."""
    ink = cleanup.ink_mask(small)
    tables = find_tables(ink)
    if not tables:
        return _without_form(gray, small, "no_grid")

    flat_from_small, flat_size, main_table = _flatten_table(tables[0].hull)
    flat = cv2.warpPerspective(
        small, flat_from_small, flat_size, flags=cv2.INTER_LINEAR, borderValue=255
    )
    cells, grid = _cells_of(flat, main_table)
    debug = {"flat": flat, "grid": grid} if options.keep_debug_images else {}
    match = match_form(cells, flat_size[0], flat_size[1])
    if match is None:
        return _without_form(gray, small, "form_not_recognized", debug)

    turn = turn_matrix(match.quarter_turns, *flat_size)
    to_page, page_size = _page_frame(match, options.output_dpi)
    raw_to_page = to_page @ turn @ flat_from_small @ raw_to_small
    page = cv2.warpPerspective(
        gray, raw_to_page, page_size, flags=cv2.INTER_LINEAR, borderValue=255
    )
    page = cleanup.flatten_background(page)
    fields = {
        key: _clip(transform_box(to_page, box), page_size) for key, box in match.fields.items()
    }
    if match.form == "service_card":
        fields["year"] = find_year_box(page, fields)
    return PageAnalysis(
        form=match.form,
        rotation=90 * match.quarter_turns,
        transform=as_tuple(raw_to_page),
        image=page,
        fields=fields,
        debug=debug,
    )


def _flatten_table(hull: np.ndarray) -> tuple[Matrix, tuple[int, int], Box]:
    """Homography taking the table's corners to an upright rectangle with a margin.

    The margin keeps the other table, the title and the notes of the page in the
    flattened image; its size is relative to the table.
    """
    quad = quad_corners(hull)
    width, height = quad_size(quad)
    scale = TABLE_LONG_SIDE / max(width, height)
    tw, th = width * scale, height * scale
    pad = 0.6 * min(tw, th)
    target = np.array(
        [[pad, pad], [pad + tw, pad], [pad + tw, pad + th], [pad, pad + th]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    size = (round(tw + 2 * pad), round(th + 2 * pad))
    return matrix.astype(np.float64), size, Box(round(pad), round(pad), round(tw), round(th))


def _cells_of(flat: np.ndarray, main: Box) -> tuple[list[Box], np.ndarray]:
    """Cells of the ruled tables in a flattened image whose main table is ``main``.

    Also returns the mask of ruled lines the cells were found in (for debugging).
    """
    ink = cleanup.ink_mask(flat)
    horizontal, vertical = line_masks(ink, TABLE_LONG_SIDE // 40)
    grid = cv2.bitwise_or(horizontal, vertical)
    # The flattened main table's outline is known exactly: draw it, so that a frame
    # broken by blur or glare does not open its edge cells to the outside.
    cv2.rectangle(grid, (main.x, main.y), (main.x2, main.y2), 255, 3)
    cells = find_cells(grid, min_w=TABLE_LONG_SIDE // 80, min_h=TABLE_LONG_SIDE // 110)
    # Loops of big characters and the edge of the paper can enclose regions too:
    # keep the cells of the main table and of other tables standing beside it.
    grown = Box(main.x - 8, main.y - 8, main.w + 16, main.h + 16)
    tables = [grown] + [
        t.box for t in find_tables(grid, min_cells=4) if not _overlaps(t.box, grown)
    ]
    return outermost([c for c in cells if any(_inside(c.box, t) for t in tables)]), grid


def _overlaps(a: Box, b: Box) -> bool:
    return a.x < b.x2 and b.x < a.x2 and a.y < b.y2 and b.y < a.y2


def _inside(cell: Box, table: Box) -> bool:
    return table.x <= cell.x and table.y <= cell.y and cell.x2 <= table.x2 and cell.y2 <= table.y2


def _page_frame(match: FormMatch, dpi: int) -> tuple[Matrix, tuple[int, int]]:
    """Scale and offset from the upright flattened image to the output page."""
    table = match.table
    px_per_mm = dpi / 25.4
    scale = TABLE_WIDTH_MM[match.form] * px_per_mm / table.w
    left, top, right, bottom = (m * px_per_mm for m in MARGINS_MM[match.form])
    matrix = (
        translate_matrix(left, top) @ scale_matrix(scale) @ translate_matrix(-table.x, -table.y)
    )
    size = (round(table.w * scale + left + right), round(table.h * scale + top + bottom))
    return matrix, size


def _clip(box: Box, size: tuple[int, int]) -> Box:
    x0, y0 = max(0, box.x), max(0, box.y)
    x1, y1 = min(size[0], box.x2), min(size[1], box.y2)
    return Box(x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def _without_form(
    gray: np.ndarray,
    small: np.ndarray,
    reason: str,
    debug: dict[str, np.ndarray] | None = None,
) -> PageAnalysis:
    """A page with no recognizable form: blank when nothing on it is clearly dark."""
    blank = cleanup.dark_fraction(small) < BLANK_DARK_FRACTION
    identity = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    notes: tuple[str, ...] = () if blank else (reason,)
    return PageAnalysis(
        form="blank" if blank else "unknown",
        rotation=0,
        transform=identity,
        image=cleanup.flatten_background(gray),
        fields={},
        notes=notes,
        debug=debug or {},
    )
