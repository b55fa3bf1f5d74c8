"""Locate the `年度：____` blank of a service card, printed at the right of its title."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import ink_mask
from ocr.types import Box


def find_year_box(page: np.ndarray, fields: dict[str, Box]) -> Box:
    """The box of the year text (label included) above the header table's right half.

    Text above the table is grouped into words by horizontal gaps; the year is
    the rightmost group that starts right of the table's centre. A QR code
    (a dense square block) is not text and is skipped.
    """
    left = fields["member_name"].x
    right = fields["member_phone"].x2
    table_top = min(fields[k].y for k in ("member_name", "sector", "member_phone"))
    row_h = fields["member_name"].h
    center = (left + right) / 2
    x0 = int(center + 0.05 * (right - left))
    x1 = min(page.shape[1], int(right + 0.6 * row_h))
    y0 = max(0, int(table_top - 3.2 * row_h))
    y1 = max(y0 + 1, int(table_top - 0.25 * row_h))
    fallback = Box(int(center + 0.25 * (right - left)), y0, int(0.25 * (right - left)), y1 - y0)
    region = page[y0:y1, x0:x1]
    if region.size == 0:
        return fallback
    ink = ink_mask(region, block=31, offset=18)
    # A QR code's modules fuse into one solid square under a closing; text does not.
    k = max(3, int(0.2 * row_h))
    fused = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(fused, connectivity=8)
    margin = max(2, int(0.2 * row_h))  # with its quiet zone and stray modules
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if min(w, h) > 0.9 * row_h and 0.7 < w / h < 1.4 and area > 0.6 * w * h:
            ink[max(0, y - margin) : y + h + margin, max(0, x - margin) : x + w + margin] = 0
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if max(w, h) >= 0.15 * row_h:  # specks and noise are smaller than any stroke
            boxes.append((x, y, w, h))
    chars = [b for b in boxes if b[3] >= 0.25 * row_h]
    if not chars:
        return fallback
    # Keep the text line nearest above the table (the title's line), underline included.
    bottom = max(b[1] + b[3] for b in chars)
    line = sorted((b for b in boxes if b[1] + b[3] / 2 >= bottom - 1.3 * row_h), key=lambda b: b[0])
    groups: list[list[tuple[int, int, int, int]]] = [[line[0]]]
    for b in line[1:]:
        prev_right = max(g[0] + g[2] for g in groups[-1])
        if b[0] - prev_right > row_h:
            groups.append([b])
        else:
            groups[-1].append(b)
    # The year group starts with the printed 年度：, wider than a stray mark.
    wide = [g for g in groups if max(b[0] + b[2] for b in g) - min(b[0] for b in g) >= row_h]
    group = wide[-1] if wide else groups[-1]
    gx0 = min(b[0] for b in group)
    gy0 = min(b[1] for b in group)
    gx1 = max(b[0] + b[2] for b in group)
    gy1 = max(b[1] + b[3] for b in group)
    pad = int(0.15 * row_h)
    return Box(
        x0 + gx0 - pad,
        y0 + max(0, gy0 - pad),
        gx1 - gx0 + 2 * pad,
        min(y1 - y0, gy1 + pad) - max(0, gy0 - pad),
    )
