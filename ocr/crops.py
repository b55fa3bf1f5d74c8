"""Cell crops for the recognizers: borders off, ink found, text framed like a text line.

A recognizer reads a text line best when the line fills most of its height
with a little white around it, and it reads ruled borders as ``|`` or ``一``.
So a cell is cut a little inside its box, long ruled runs are whitened, and
the crop is tightened to the handwriting with a margin proportional to it.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.types import Box

INK_CONTRAST = 60
"""Levels under the paper a pixel must be to count as ink (scanner grey stays above)."""
SPECK_AREA = 0.002
"""Connected ink smaller than this share of the cell's height squared is dust."""


def cut_cell(page: np.ndarray, box: Box, *, grow: float = 0.08) -> np.ndarray:
    """The cell's pixels, grown a little so writing over the line is kept, with the ruled
    lines whitened (a copy).

    Writing of the neighbouring cells that reaches into the grown margin is
    whitened too: a stroke belongs to the cell that holds its middle.
    """
    g = round(grow * min(box.h, box.w))
    h, w = page.shape[:2]
    x0, y0 = max(0, box.x - g), max(0, box.y - g)
    x1, y1 = min(w, box.x2 + g), min(h, box.y2 + g)
    cell = remove_rules(page[y0:y1, x0:x1])
    _drop_intruders(cell, Box(box.x - x0, box.y - y0, box.w, box.h))
    return cell


def _drop_intruders(cell: np.ndarray, inner: Box) -> None:
    """Whiten ink blobs whose middle lies outside ``inner`` (in place)."""
    ink = _ink(cell)
    count, labels, _, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    for i in range(1, count):
        cx, cy = centroids[i]
        if not (inner.x <= cx <= inner.x2 and inner.y <= cy <= inner.y2):
            cell[labels == i] = 255


def remove_rules(cell: np.ndarray) -> np.ndarray:
    """Whiten ruled lines: horizontal runs longer than 1.5 line heights, and vertical runs
    spanning most of the height near the left and right edges (a copy).

    Characters have no stroke longer than about one character height, so the
    table borders, the year's underline and edges of neighbour cells go, and
    the writing stays.
    """
    out = cell.copy()
    h, w = out.shape[:2]
    if h < 6 or w < 6:
        return out
    ink = _ink(out)
    long_h = max(8, int(min(w * 0.9, 1.5 * h)))
    rules_h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, long_h), np.uint8))
    long_v = max(6, int(0.7 * h))
    rules_v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((long_v, 1), np.uint8))
    edge = max(2, int(0.12 * min(w, 2 * h)))
    rules_v[:, edge : w - edge] = 0
    rules = cv2.dilate(cv2.bitwise_or(rules_h, rules_v), np.ones((3, 3), np.uint8))
    out[rules > 0] = 255
    return out


def ink_box(cell: np.ndarray) -> Box | None:
    """The box around the handwriting in a cell without rules, dust left out; None if blank."""
    h, w = cell.shape[:2]
    if h < 4 or w < 4:
        return None
    ink = _ink(cell)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    min_area = max(4, int(SPECK_AREA * h * h))
    keep = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area]
    if not keep:
        return None
    x0 = min(int(stats[i, cv2.CC_STAT_LEFT]) for i in keep)
    y0 = min(int(stats[i, cv2.CC_STAT_TOP]) for i in keep)
    x1 = max(int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]) for i in keep)
    y1 = max(int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in keep)
    return Box(x0, y0, x1 - x0, y1 - y0)


def text_line(cell: np.ndarray, *, margin: float = 0.2) -> np.ndarray | None:
    """The handwriting of a cell framed for a line recognizer, or None when it holds none."""
    clean = remove_rules(cell)
    box = ink_box(clean)
    if box is None:
        return None
    pad = max(3, round(margin * box.h))
    h, w = clean.shape[:2]
    y0, y1 = max(0, box.y - pad), min(h, box.y2 + pad)
    x0, x1 = max(0, box.x - pad), min(w, box.x2 + pad)
    line = clean[y0:y1, x0:x1]
    # White margin where the cell edge cut the padding short.
    return cv2.copyMakeBorder(
        line,
        pad - (box.y - y0),
        pad - (y1 - box.y2),
        pad - (box.x - x0),
        pad - (x1 - box.x2),
        cv2.BORDER_CONSTANT,
        value=255,
    )


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0: darker than the paper by ``INK_CONTRAST``."""
    paper = float(np.percentile(gray, 90))
    return ((gray < paper - INK_CONTRAST) * 255).astype(np.uint8)


LINE_SHARE = 0.3
"""A band of writing counts as its own line when it is this share of the writing's height."""


def split_lines(cell: np.ndarray) -> list[np.ndarray]:
    """The handwriting of a cell as one crop per written line, top to bottom ([] if blank).

    People wrap a long date or address onto a second line in a narrow cell; a line
    recognizer reads only one line per crop. Strokes of one character (三, 二) are
    thin bands, so only bands as tall as a third of the writing split a cell.
    """
    clean = remove_rules(cell)
    box = ink_box(clean)
    if box is None:
        return []
    bands = _bands(_ink(clean[box.y : box.y2, box.x : box.x2]))
    tall = [b for b in bands if b[1] - b[0] >= LINE_SHARE * box.h]
    if (
        len(tall) < 2
        or box.h < 0.5 * cell.shape[0]
        or any(b not in tall and (b[1] - b[0]) >= 0.15 * box.h for b in bands)
    ):
        line = text_line(cell)
        return [] if line is None else [line]
    out = []
    for top, bottom in _merge_into(bands, tall):
        part = np.full_like(clean, 255)
        y0, y1 = box.y + top, box.y + bottom
        part[y0:y1] = clean[y0:y1]
        line = text_line(part)
        if line is not None:
            out.append(line)
    return out


def _bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """Runs of rows that hold ink: (top, bottom) pairs."""
    rows = [bool(v) for v in np.asarray(ink.max(axis=1) > 0).ravel()]
    bands: list[tuple[int, int]] = []
    start = None
    for y, on in enumerate(rows):
        if on and start is None:
            start = y
        elif not on and start is not None:
            bands.append((start, y))
            start = None
    if start is not None:
        bands.append((start, len(rows)))
    return bands


def _merge_into(bands: list[tuple[int, int]], tall: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each small band (a dot, a stroke) joins the nearest tall band."""
    merged = [list(t) for t in tall]
    for b in bands:
        if b in tall:
            continue
        nearest = min(merged, key=lambda t: min(abs(b[0] - t[1]), abs(t[0] - b[1])))
        nearest[0], nearest[1] = min(nearest[0], b[0]), max(nearest[1], b[1])
    return [(t[0], t[1]) for t in merged]
