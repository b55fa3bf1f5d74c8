"""Ruled-table finding: table outline, line masks, cells and rows (pure functions).

Nothing here knows a pixel position of any form: every length is relative to
the size of the table found in the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.types import Box


@dataclass(frozen=True)
class TableBlob:
    """One connected ruled structure: its outline points and how many cells it encloses."""

    box: Box
    hull: np.ndarray
    cells: int


def find_tables(ink: np.ndarray, min_cells: int = 6) -> list[TableBlob]:
    """Connected ruled structures enclosing at least ``min_cells`` cells, largest first.

    A ruled table is one connected ink component (its lines touch) that encloses
    many rectangular holes; a paper edge or a stroke of handwriting does not.
    """
    closed = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    long_side = max(ink.shape)
    order = np.argsort(-(stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT])) + 1
    tables: list[TableBlob] = []
    for i in order[:12]:
        x, y, w, h, area = (int(v) for v in stats[i])
        if max(w, h) < long_side / 8 or min(w, h) < long_side / 30:
            break
        if area > 0.5 * w * h:
            continue  # a dense blob (photo background, a smudge), not a grid of lines
        component = (labels[y : y + h, x : x + w] == i).astype(np.uint8) * 255
        side = max(4, min(w, h) // 60)
        cells = len(find_cells(component, min_w=side, min_h=side))
        if cells < min_cells:
            continue
        ys, xs = np.nonzero(component)
        points = np.column_stack([xs + x, ys + y]).astype(np.int32)
        hull = cv2.convexHull(points)
        tables.append(TableBlob(box=Box(x, y, w, h), hull=hull.reshape(-1, 2), cells=cells))
    return tables


def line_masks(ink: np.ndarray, min_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruled lines of an axis-aligned page (255 on 0)."""
    k = max(8, int(min_length))
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k))
    )
    # Bridge small breaks (faint print, JPEG) along each line's own direction.
    bridge = max(5, k // 3)
    horizontal = cv2.morphologyEx(
        horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1))
    )
    vertical = cv2.morphologyEx(
        vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge))
    )
    return horizontal, vertical


@dataclass(frozen=True)
class Region:
    """A closed region between ruled lines and how well its outline fills its box.

    ``fill`` is the area inside the outer outline (holes filled) over the box:
    about 1 for a cell, low for two cells joined through a gap in a line.
    """

    box: Box
    fill: float


def find_cells(grid: np.ndarray, min_w: int, min_h: int) -> list[Region]:
    """Closed regions between ruled lines (the table cells, and loops inside them)."""
    grid = cv2.dilate(grid, np.ones((3, 3), np.uint8))
    free = cv2.bitwise_not(grid)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    h, w = grid.shape
    regions: list[Region] = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue
        if bw < min_w or bh < min_h or area < 0.5 * bw * bh:
            continue
        contours, _ = cv2.findContours(
            (labels[y : y + bh, x : x + bw] == i).astype(np.uint8),
            cv2.RETR_EXTERNAL,
            cv2.CHAIN_APPROX_SIMPLE,
        )
        fill = max(cv2.contourArea(c) for c in contours) / max(1, (bw - 1) * (bh - 1))
        # The dilation above ate one pixel on each side: give it back.
        regions.append(Region(Box(x - 1, y - 1, bw + 2, bh + 2), float(fill)))
    return regions


CONTAINER_FILL = 0.85


def outermost(regions: list[Region]) -> list[Box]:
    """Boxes of the regions not lying inside a cell.

    Printed tick boxes and loops of big handwriting lie inside their cell and are
    dropped. Only a nearly rectangular region counts as a cell that holds others:
    two cells joined through a gap in a line (an L shape) do not swallow the
    cells that stand inside their bounding box.
    """
    containers = [r.box for r in regions if r.fill >= CONTAINER_FILL]
    kept: list[Box] = []
    for region in sorted(regions, key=lambda r: -r.box.area):
        cell = region.box
        inside = any(
            k != cell and k.x <= cell.x and k.y <= cell.y and cell.x2 <= k.x2 and cell.y2 <= k.y2
            for k in containers
        )
        if not inside:
            kept.append(cell)
    return kept


def group_rows(cells: list[Box]) -> list[list[Box]]:
    """Group cells into table rows (top to bottom), each row sorted left to right.

    A cell taller than its neighbours (two cells merged where handwriting crossed
    the line between them) must not fuse two rows: rows are formed from cells of
    ordinary height, and a tall cell joins every row it spans.
    """
    if not cells:
        return []
    typical = float(np.median([c.h for c in cells]))
    regular = [c for c in cells if c.h <= 1.5 * typical]
    tall = [c for c in cells if c.h > 1.5 * typical]
    rows: list[list[Box]] = []
    for cell in sorted(regular, key=lambda c: (c.cy, c.x)):
        if rows:
            ref = rows[-1]
            top = min(c.y for c in ref)
            bottom = max(c.y2 for c in ref)
            overlap = min(bottom, cell.y2) - max(top, cell.y)
            if overlap >= 0.6 * min(cell.h, bottom - top):
                ref.append(cell)
                continue
        rows.append([cell])
    for cell in tall:
        spanned = [r for r in rows if cell.y <= np.median([c.cy for c in r]) <= cell.y2]
        if not spanned:
            rows.append([cell])
        for row in spanned:
            row.append(cell)
    rows.sort(key=lambda r: float(np.median([c.cy for c in r])))
    return [sorted(row, key=lambda c: c.x) for row in rows]
