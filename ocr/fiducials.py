"""Corner marks of forms printed by cardscan: find them and align a scan to the printed layout.

Forms printed from `forms/geometry.py` carry a solid square near each corner
(as SDAPS prints). Four of them give an exact homography from the scan to the
layout in millimetres, whatever the skew, quarter turn or phone perspective.
Which form and which of the turns is right is decided by the ruled lines: the
layout's lines must be found in the scan where the homography puts them. That
check also guards against a form whose print differs from the layout; then the
caller reads the page from its grid as for any other form.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from forms.geometry import PRINTED_FORMS, FormGeometry, Rule, geometry_of
from ocr.cleanup import flatten_background, ink_mask
from ocr.geometry import Matrix, apply, order_quad, scale_matrix
from ocr.grid import line_masks

DARK = 110
"""A mark pixel is this dark or darker on the background-flattened image (paper ≈ 255)."""
MIN_MARK_AREA = 30  # px: about 6×6 at the working size
MIN_FILL = 0.8  # share of its rotated bounding rectangle a solid mark covers
MAX_ASPECT = 1.4
SIZE_TOLERANCE = 1.4  # the four marks differ in measured size by at most this factor
CHECK_PX_PER_MM = 4.0  # resolution of the grid check
LINE_TOLERANCE_MM = 0.9  # a ruled line counts as found this close to its place
LINE_FOUND = 0.6  # share of a line's length that must be found
GRID_AGREEMENT = 0.9
"""Share of the layout's lines that must be found for the layout's cells to be used."""
CODE_INK = 0.15  # dark share of the code's square when a code is printed there


@dataclass(frozen=True)
class Mark:
    """A solid square blob: centre (sub-pixel) and side length in pixels."""

    x: float
    y: float
    side: float


@dataclass(frozen=True)
class MarkAlignment:
    """A printed layout matched through its corner marks.

    ``mm_from_image`` maps pixels of the analysed image to the layout's millimetres;
    ``agreement`` is the share of the layout's ruled lines found in place;
    ``code_printed`` says whether the code's square holds ink (a code was printed).
    """

    form: str
    mm_from_image: Matrix
    agreement: float
    code_printed: bool

    @property
    def aligned(self) -> bool:
        return self.agreement >= GRID_AGREEMENT

    @property
    def geometry(self) -> FormGeometry:
        return geometry_of(self.form)


def find_marks(gray: np.ndarray) -> list[Mark]:
    """Solid, square, isolated dark blobs: candidate corner marks (and some impostors)."""
    return _marks_in(flatten_background(gray))


def _marks_in(flat: np.ndarray) -> list[Mark]:
    dark = (flat <= DARK).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    h, w = dark.shape
    marks: list[Mark] = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < MIN_MARK_AREA or x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue  # too small, or cut by the edge of the image (its centre would be off)
        if max(bw, bh) > 0.1 * max(h, w):
            continue
        component = (labels[y : y + bh, x : x + bw] == i).astype(np.uint8)
        contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        (_, _), (rw, rh), _ = cv2.minAreaRect(max(contours, key=cv2.contourArea))
        if min(rw, rh) < 1 or max(rw, rh) / min(rw, rh) > MAX_ASPECT:
            continue
        if area < MIN_FILL * rw * rh:
            continue  # hollow (a QR finder pattern, a tick box) or not a square
        marks.append(Mark(*_weighted_centre(flat, x, y, bw, bh), side=float(np.sqrt(area))))
    return marks


def _weighted_centre(flat: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[float, float]:
    """Centre of darkness of a blob's window (sub-pixel; soft edges count by their grey)."""
    pad = 2
    y0, x0 = max(0, y - pad), max(0, x - pad)
    window = flat[y0 : y + h + pad, x0 : x + w + pad].astype(np.float64)
    weight = np.clip(200.0 - window, 0.0, None)
    total = float(weight.sum())
    ys, xs = np.mgrid[0 : window.shape[0], 0 : window.shape[1]]
    return x0 + float((weight * xs).sum()) / total, y0 + float((weight * ys).sum()) / total


def corner_quads(marks: list[Mark]) -> list[np.ndarray]:
    """Sets of four marks of one size standing as the corners of a page (TL, TR, BR, BL).

    For each mark size present, the outermost marks of that size along the four
    diagonal directions; kept when they form a convex quadrilateral whose sides
    are many marks long (a page, not a cluster of QR modules).
    """
    quads: list[np.ndarray] = []
    seen: set[tuple[int, ...]] = set()
    for ref in marks:
        group = [
            i for i, m in enumerate(marks)
            if ref.side / SIZE_TOLERANCE <= m.side <= ref.side * SIZE_TOLERANCE
        ]
        if len(group) < 4:
            continue
        pts = np.array([[marks[i].x, marks[i].y] for i in group])
        picks = []
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            picks.append(group[int(np.argmax(pts[:, 0] * sx + pts[:, 1] * sy))])
        key = tuple(sorted(picks))
        if len(set(picks)) < 4 or key in seen:
            continue
        seen.add(key)
        quad = order_quad(np.array([[marks[i].x, marks[i].y] for i in picks]))
        side = float(np.mean([marks[i].side for i in picks]))
        if _plausible_page(quad, side):
            quads.append(quad)
    return quads


def _plausible_page(quad: np.ndarray, side: float) -> bool:
    edges = [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]
    if min(edges) < 15 * side:
        return False
    cross = []
    for i in range(4):
        (ax, ay), (bx, by) = quad[(i + 1) % 4] - quad[i], quad[(i + 2) % 4] - quad[(i + 1) % 4]
        cross.append(float(ax * by - ay * bx))
    return all(c > 0 for c in cross) or all(c < 0 for c in cross)


def align_by_marks(gray: np.ndarray) -> MarkAlignment | None:
    """The printed layout that four corner marks and the ruled lines agree on, if any.

    None when no four marks stand at the corners; otherwise the best of the forms
    and turns, whose ``aligned`` tells whether its lines were found in place.
    """
    flat = flatten_background(gray)
    quads = corner_quads(_marks_in(flat))
    if not quads:
        return None
    ink = ink_mask(flat)
    best: tuple[float, str, Matrix] | None = None
    for quad, form in itertools.product(quads, PRINTED_FORMS):
        geometry = geometry_of(form)
        layout = np.array(geometry.mark_centres, dtype=np.float32)
        for shift in range(4):
            image_pts = np.roll(quad, -shift, axis=0).astype(np.float32)
            if not _consistent_scale(image_pts, layout):
                continue
            mm_from_image = cv2.getPerspectiveTransform(image_pts, layout).astype(np.float64)
            agreement = _grid_agreement(ink, mm_from_image, geometry)
            if best is None or agreement > best[0]:
                best = (agreement, form, mm_from_image)
    if best is None:
        return None
    agreement, form, mm_from_image = best
    printed = _code_printed(flat, mm_from_image, geometry_of(form))
    return MarkAlignment(form, mm_from_image, agreement, printed)


def quarter_turns(mm_from_image: Matrix) -> int:
    """Clockwise quarter turns that make the scan upright (from the layout's x axis in it)."""
    ends = apply(np.linalg.inv(mm_from_image), np.array([[0.0, 0.0], [100.0, 0.0]]))
    dx, dy = ends[1] - ends[0]
    return (-round(float(np.degrees(np.arctan2(dy, dx))) / 90)) % 4


def _consistent_scale(image_pts: np.ndarray, layout: np.ndarray) -> bool:
    """Image distances between marks proportional to the layout's along both axes."""
    def scale(a: int, b: int) -> float:
        return float(
            np.linalg.norm(image_pts[a] - image_pts[b]) / np.linalg.norm(layout[a] - layout[b])
        )

    across = (scale(0, 1) + scale(3, 2)) / 2
    down = (scale(0, 3) + scale(1, 2)) / 2
    return 0.8 <= across / down <= 1.25


def _grid_agreement(ink: np.ndarray, mm_from_image: Matrix, geometry: FormGeometry) -> float:
    """Share of the layout's ruled lines found in place in the scan's ink."""
    to_check = scale_matrix(CHECK_PX_PER_MM) @ mm_from_image
    size = geometry.page_px(CHECK_PX_PER_MM * 25.4)
    # Linear sampling keeps a thin line that falls between sample points (any share > 0).
    warped = cv2.warpPerspective(ink, to_check, size, flags=cv2.INTER_LINEAR)
    warped = np.where(warped > 40, 255, 0).astype(np.uint8)
    horizontal, vertical = line_masks(warped, round(6 * CHECK_PX_PER_MM))
    # A line found within the tolerance of its place: widen each mask across its lines.
    reach = 2 * round(LINE_TOLERANCE_MM * CHECK_PX_PER_MM) + 1
    horizontal = cv2.dilate(horizontal, np.ones((reach, 1), np.uint8))
    vertical = cv2.dilate(vertical, np.ones((1, reach), np.uint8))
    found = sum(
        _line_share(horizontal if rule.horizontal else vertical, rule) >= LINE_FOUND
        for rule in geometry.rules
    )
    return found / len(geometry.rules)


def _line_share(mask: np.ndarray, rule: Rule) -> float:
    """Share of points along a layout line (every mm, ends left out) on a found line."""
    length = max(abs(rule.x1 - rule.x0), abs(rule.y1 - rule.y0))
    steps = np.arange(1.0, length - 1.0, 1.0)
    if len(steps) == 0:
        return 0.0
    xs = np.round((rule.x0 + (rule.x1 - rule.x0) * steps / length) * CHECK_PX_PER_MM).astype(int)
    ys = np.round((rule.y0 + (rule.y1 - rule.y0) * steps / length) * CHECK_PX_PER_MM).astype(int)
    h, w = mask.shape
    xs, ys = np.clip(xs, 0, w - 1), np.clip(ys, 0, h - 1)
    return float((mask[ys, xs] > 0).mean())


def _code_printed(flat: np.ndarray, mm_from_image: Matrix, geometry: FormGeometry) -> bool:
    """Whether the code's square (inside its quiet zone) holds a printed code's ink."""
    qr = geometry.qr
    to_check = scale_matrix(CHECK_PX_PER_MM) @ mm_from_image
    size = geometry.page_px(CHECK_PX_PER_MM * 25.4)
    warped = cv2.warpPerspective(flat, to_check, size, flags=cv2.INTER_LINEAR, borderValue=255)
    inner = np.array([[qr.x + 2.5, qr.y + 2.5], [qr.x2 - 2.5, qr.y2 - 2.5]]) * CHECK_PX_PER_MM
    (x0, y0), (x1, y1) = np.round(inner).astype(int)
    region = warped[y0:y1, x0:x1]
    return bool(region.size and (region <= DARK + 40).mean() >= CODE_INK)
