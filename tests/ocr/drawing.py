"""Plain ruled grids of forms R and S for unit tests of the geometry stages.

Only lines and blocks of "text": enough structure for the grid stages, without
the realism of ``samples/`` (which the end-to-end tests use).
"""

from __future__ import annotations

import cv2
import numpy as np


def _hline(img: np.ndarray, x0: int, x1: int, y: int, t: int) -> None:
    cv2.line(img, (x0, y), (x1, y), 0, t)


def _vline(img: np.ndarray, x: int, y0: int, y1: int, t: int) -> None:
    cv2.line(img, (x, y0), (x, y1), 0, t)


def _text(img: np.ndarray, x: int, y: int, w: int, h: int) -> None:
    """A few character-sized blobs standing in for a printed label or title."""
    size = max(6, int(h * 0.45))
    for i in range(max(1, w // (size + 10)) // 2):
        cx = x + 10 + i * (size + 10)
        cv2.rectangle(img, (cx, y + (h - size) // 2), (cx + size - 2, y + (h + size) // 2), 0, 1)
        cv2.line(img, (cx, y + h // 2), (cx + size - 2, y + h // 2), 0, 1)


def service_card(
    width: int = 1650, line: int = 2
) -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """A4-landscape-shaped service card: header table, record table; returns cells of fields."""
    height = int(width / 1.414)
    img = np.full((height, width), 245, np.uint8)
    m = width // 18
    x0, x1 = m, width - m
    _text(img, width // 4, m // 2, width // 2, m // 2)  # title
    _text(img, int(width * 0.72), m // 2, width // 6, m // 2)  # 年度
    cells: dict[str, tuple[int, int, int, int]] = {}
    rh = int(height * 0.07)
    y = int(m * 1.4)
    cols = np.linspace(x0, x1, 7).astype(int)
    keys = (
        ("member_name", "sector", "member_phone"),
        ("contact_name", "contact_phone", "committee"),
    )
    for r in range(3):
        _hline(img, x0, x1, y + r * rh, line)
    for c in cols:
        _vline(img, c, y, y + 2 * rh, line)
    for r, row in enumerate(keys):
        for j, key in enumerate(row):
            cells[key] = (
                int(cols[2 * j + 1]),
                y + r * rh,
                int(cols[2 * j + 2] - cols[2 * j + 1]),
                rh,
            )
            _text(img, int(cols[2 * j]), y + r * rh, int(cols[2 * j + 1] - cols[2 * j]), rh)
    y += 2 * rh + rh
    widths = np.array([0.07, 0.17, 0.25, 0.33, 0.18])
    xs = (x0 + np.concatenate([[0], np.cumsum(widths)]) * (x1 - x0)).astype(int)
    for r in range(10):
        _hline(img, x0, x1, y + r * rh, line)
    for x in xs:
        _vline(img, x, y, y + 9 * rh, line)
    for i in range(1, 9):
        for j, name in enumerate(("date", "manner", "content", "signed"), start=1):
            cells[f"rows.{i}.{name}"] = (int(xs[j]), y + i * rh, int(xs[j + 1] - xs[j]), rh)
        for k in range(3):  # the three printed manner boxes
            bx = int(xs[2] + 8 + k * (xs[3] - xs[2]) / 3)
            cv2.rectangle(
                img, (bx, y + i * rh + rh // 3), (bx + rh // 3, y + i * rh + 2 * rh // 3), 0, 1
            )
    return img, cells


def registration(
    width: int = 1240, line: int = 2
) -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """A4-portrait registration table; returns cells of fields."""
    height = int(width * 1.414)
    img = np.full((height, width), 250, np.uint8)
    m = width // 10
    x0, x1 = m, width - m
    _text(img, width // 4, m // 2, width // 2, m // 3)
    rh = int(height * 0.055)
    y = m
    cells: dict[str, tuple[int, int, int, int]] = {}
    rows = 11
    for r in range(rows + 1):
        _hline(img, x0, x1, y + r * rh, line)
    _vline(img, x0, y, y + rows * rh, line)
    _vline(img, x1, y, y + rows * rh, line)
    member_cols = np.linspace(x0, x1, 5).astype(int)
    for r, keys in ((1, ("member_name", "sector")), (2, ("member_phone", "committee"))):
        for c in member_cols[1:-1]:
            _vline(img, int(c), y + r * rh, y + (r + 1) * rh, line)
        for j, key in enumerate(keys):
            cells[key] = (
                int(member_cols[2 * j + 1]),
                y + r * rh,
                int(member_cols[2 * j + 2] - member_cols[2 * j + 1]),
                rh,
            )
    widths = np.array([0.1, 0.2, 0.3, 0.4])
    xs = (x0 + np.concatenate([[0], np.cumsum(widths)]) * (x1 - x0)).astype(int)
    for x in xs[1:-1]:
        _vline(img, int(x), y + 4 * rh, y + rows * rh, line)
    for i in range(1, 7):
        for j, name in enumerate(("name", "phone", "address"), start=1):
            cells[f"contacts.{i}.{name}"] = (
                int(xs[j]),
                y + (4 + i) * rh,
                int(xs[j + 1] - xs[j]),
                rh,
            )
    _text(img, x0, y + rows * rh + rh, x1 - x0, rh // 2)  # notes
    return img, cells
