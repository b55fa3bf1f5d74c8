"""Record-table cells drawn with cv2 for the mark and ink readers' tests.

The cells are drawn here rather than taken from ``samples/``: other print runs and
other hands (box sizes and spacing, outline weight, sloppy ticks, pencil, grey
paper, ruled borders at the edges, skew) are what the readers must survive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int]  # x, y, side


@dataclass(frozen=True)
class Look:
    """How a cell is printed and scanned."""

    dpi: int = 200
    row_mm: float = 9.0
    width_mm: float = 48.0
    box_frac: float = 0.28  # box side as a share of the row height
    box_em: float = 0.8  # box side as a share of the label's character size
    outline: float = 1.0  # outline width at 200 dpi
    dashed: bool = False  # boxes printed as broken outlines: no squares to find
    glyph_squares: float = 0.7  # share of label characters with a small 口 in them
    paper: int = 245
    noise: float = 4.0
    border: bool = True  # ruled lines a little inside the crop's edges
    tilt: float = 0.0  # residual skew in degrees


def _px(look: Look, v: float) -> int:
    return max(1, round(v * look.dpi / 200))


def _blank(look: Look) -> tuple[np.ndarray, int]:
    """A cell crop of paper with the ruled lines a little inside its edges; returns the grow."""
    ppm = look.dpi / 25.4
    h, w = round(look.row_mm * ppm), round(look.width_mm * ppm)
    g = round(0.08 * h)
    img = np.full((h + 2 * g, w + 2 * g), look.paper, np.uint8)
    if look.border:
        t = _px(look, 2)
        for y in (g, g + h):
            cv2.line(img, (0, y), (w + 2 * g, y), 20, t)
        for x in (g, g + w):
            cv2.line(img, (x, 0), (x, h + 2 * g), 20, t)
    return img, g


def _glyph(
    img: np.ndarray, x: int, y: int, em: int, t: int, squares: float, rng: random.Random
) -> None:
    """A printed character stand-in: strokes and maybe a small 口, a trap for box finding."""
    cv2.line(img, (x, y + em // 5), (x + em, y + em // 5), 25, t)
    cv2.line(img, (x + em // 2, y), (x + em // 2, y + em), 25, t)
    if rng.random() < squares:
        q = em // 3
        cv2.rectangle(img, (x + em - q - 1, y + em - q - 1), (x + em - 1, y + em - 1), 25, t)
    cv2.line(img, (x, y + em), (x + em // 3, y + em // 2), 25, t)


def manner_cell(
    look: Look,
    rng: random.Random,
    marks: tuple[str | None, ...] = (None, None, None),
    *,
    intrude: bool = False,
) -> np.ndarray:
    """``□走访 □电话 □其他`` spread over a cell, marks drawn on the boxes."""
    img, g = _blank(look)
    h, w = img.shape[0] - 2 * g, img.shape[1] - 2 * g
    side = round(look.box_frac * h)
    em = round(side / look.box_em)
    item = side + em // 4 + 2 * em
    gap = (w - 3 * item) // 4
    assert gap >= em // 2, "the labels do not fit the cell"
    boxes: list[Box] = []
    x = g + gap
    for _ in range(3):
        y = g + (h - side) // 2
        cv2.rectangle(img, (x, y), (x + side - 1, y + side - 1), 25, _px(look, look.outline))
        for k in (1, 3) if look.dashed else ():  # gaps across the middle of every edge
            a, b = k * side // 5, (k + 1) * side // 5
            img[y - 3 : y + side + 3, x + a : x + b] = look.paper
            img[y + a : y + b, x - 3 : x + side + 3] = look.paper
        boxes.append((x, y, side))
        for k in range(2):
            _glyph(
                img,
                x + side + em // 4 + k * em,
                g + (h - em) // 2,
                int(0.9 * em),
                _px(look, 1.5),
                look.glyph_squares,
                rng,
            )
        x += item + gap
    for box, mark in zip(boxes, marks, strict=True):
        if mark:
            draw_mark(img, box, mark, rng, pen=_px(look, 3), paper=look.paper)
    if intrude:
        _intrude(img, g, look, rng)
    return finish(img, look, rng)


def draw_mark(
    img: np.ndarray, box: Box, mark: str, rng: random.Random, *, pen: int, paper: int = 245
) -> None:
    """✓ (``check``), a ✓ mostly outside the box (``outside``), ×, a filled box, or a
    light pencil ✓, drawn a little differently each time."""
    x, y, s = box

    def at(u: float, v: float) -> tuple[int, int]:
        return round(x + (u + rng.uniform(-0.08, 0.08)) * s), round(
            y + (v + rng.uniform(-0.08, 0.08)) * s
        )

    ink = 40
    if mark == "cross":
        cv2.line(img, at(0.1, 0.1), at(0.9, 0.9), ink, pen, cv2.LINE_AA)
        cv2.line(img, at(0.9, 0.1), at(0.1, 0.9), ink, pen, cv2.LINE_AA)
        return
    if mark == "fill":
        cv2.rectangle(img, at(0.15, 0.15), at(0.85, 0.85), ink, -1)
        return
    if mark == "outside":
        pts = [at(0.75, 0.55), at(0.95, 0.95), at(1.7, -0.8)]
    else:
        pts = [at(0.1, 0.45), at(0.4, 0.9), at(1.3, -0.5)]
    if mark == "pencil":
        ink, pen = round(0.72 * paper), max(1, pen - 1)
    cv2.polylines(img, [np.array(pts, np.int32)], False, ink, pen, cv2.LINE_AA)


def _intrude(img: np.ndarray, g: int, look: Look, rng: random.Random) -> None:
    """Tails of the neighbouring rows' writing poking over the top and bottom lines."""
    h, w = img.shape[0] - 2 * g, img.shape[1] - 2 * g
    pen, depth = _px(look, 3), round(0.07 * h)
    for _ in range(3):
        x0 = round(g + rng.uniform(0.05, 0.9) * w)
        cv2.line(img, (x0, 0), (x0 + pen * 2, g + depth), 35, pen)
        cv2.line(img, (x0, img.shape[0] - 1), (x0 + pen * 3, g + h - depth), 35, pen)


def finish(img: np.ndarray, look: Look, rng: random.Random) -> np.ndarray:
    """Residual skew, scanner blur and noise."""
    if look.tilt:
        h, w = img.shape
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), look.tilt, 1.0)
        img = cv2.warpAffine(img, turn, (w, h), borderValue=look.paper)
    out = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.6 * look.dpi / 200)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, look.noise, out.shape)
    return np.clip(out + noise, 0, 255).astype(np.uint8)


def writing_cell(
    look: Look,
    rng: random.Random,
    *,
    strokes: int = 6,
    intrude: bool = False,
    small_at_bottom: bool = False,
    flourish: bool = False,
) -> np.ndarray:
    """A cell with a scribbled signature of ``strokes`` strokes (none for an empty cell),
    optionally the tails of the neighbouring rows' writing, a long flourish of the row
    above running down over the top rule, or a line of tiny writing on the bottom rule."""
    img, g = _blank(look)
    h, w = img.shape[0] - 2 * g, img.shape[1] - 2 * g
    pen = _px(look, 3)
    for _ in range(strokes):
        pts = [(g + rng.uniform(0.1, 0.7) * w, g + rng.uniform(0.25, 0.75) * h) for _ in range(3)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, 35, pen, cv2.LINE_AA)
    if small_at_bottom:
        size = round(0.14 * h)
        for k in range(10):  # 二〇二六年三月二十七日, squeezed under the rule
            x0, y0 = g + round(0.05 * w) + k * round(1.6 * size), g + h - size - 2
            cv2.line(img, (x0, y0 + size // 2), (x0 + size, y0 + size // 2), 35, _px(look, 1.5))
            cv2.line(img, (x0 + size // 2, y0), (x0 + size // 2, y0 + size), 35, _px(look, 1.5))
    if flourish:
        start, end = (
            (g + round(0.05 * w), g - round(0.1 * h)),
            (g + round(0.8 * w), g + round(0.06 * h)),
        )
        cv2.line(img, start, end, 35, pen, cv2.LINE_AA)
    if intrude:
        _intrude(img, g, look, rng)
    return finish(img, look, rng)
