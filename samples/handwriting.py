"""Simulated handwriting: handright over Kai fonts, per-writer style, ticks and signatures.

Strokes are rendered by handright at a reduced size (it is pure Python and its cost
grows with pixel area) and upsampled, which also softens the 1-bit glyph edges. The
`write_*` and `draw_*` functions composite ink onto an RGB canvas in place.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import handright
import numpy as np
from PIL import Image

from samples.fonts import FontFace, hand_faces, load_font
from samples.printing import Box

RENDER_PX = 28
MAX_GLYPH_PX = 96  # about 8 mm at 300 dpi
BLUE_INKS = ((28, 45, 140), (20, 40, 110), (40, 60, 170), (30, 30, 95))
BLACK_INKS = ((25, 25, 30), (45, 42, 50), (15, 18, 25))


@dataclass(frozen=True)
class Writer:
    """One person's hand: letter size, slant, shakiness, pen and habits of placing text."""

    face: FontFace
    size_frac: float  # glyph size as a share of the cell height
    slant: float  # horizontal shear (positive leans right)
    shake: float  # handright perturbation, as a share of the glyph size
    spacing: float  # extra letter spacing, as a share of the glyph size
    ink: tuple[int, int, int]
    weight: int  # extra pen width in pixels at 300 dpi
    centred: bool  # centres text in cells, otherwise starts near the left border
    drift: float  # std of baseline rotation per written text, degrees


def random_writer(rng: random.Random) -> Writer:
    ink_pool = BLUE_INKS if rng.random() < 0.6 else BLACK_INKS
    return Writer(
        face=rng.choice(hand_faces()),
        size_frac=rng.uniform(0.42, 0.66),
        slant=rng.uniform(-0.08, 0.28),
        shake=rng.uniform(0.012, 0.04),
        spacing=rng.uniform(-0.08, 0.18),
        ink=rng.choice(ink_pool),
        weight=rng.choice((0, 1, 1, 2, 3)),
        centred=rng.random() < 0.45,
        drift=rng.uniform(0.3, 2.0),
    )


def render_text(text: str, writer: Writer, size: int, seed: int, shake: float | None = None,
                spacing: float | None = None) -> np.ndarray:
    """Ink coverage (float32 0…1, tight box) of one line of `text` at glyph size `size` px."""
    # Glyphs are rendered about RENDER_PX tall: smaller and their strokes fall apart.
    scale = min(1.0, RENDER_PX / size)
    fs = max(8, round(size * scale))
    font = load_font(writer.face, fs)
    shake = writer.shake if shake is None else shake
    gap = round(fs * (writer.spacing if spacing is None else spacing))
    width = int(font.getlength(text) + len(text) * (abs(gap) + fs * 0.3) + 4 * fs)
    height = int(fs * 2.2)
    template = handright.Template(
        background=Image.new("L", (width, height), 255),
        font=font,
        line_spacing=int(fs * 1.3),
        fill=0,
        left_margin=fs,
        top_margin=int(fs * 0.4),
        right_margin=fs,
        bottom_margin=int(fs * 0.2),
        word_spacing=max(gap, -fs // 2 + 1),
        line_spacing_sigma=fs * 0.04,
        font_size_sigma=fs * 0.05,
        word_spacing_sigma=fs * 0.06,
        perturb_x_sigma=fs * shake,
        perturb_y_sigma=fs * shake,
        perturb_theta_sigma=shake * 0.7,
    )
    page = next(iter(handright.handwrite(text, template, seed=seed)))
    low = (255 - np.asarray(page, dtype=np.float32)) / 255.0
    return _finish_strokes(low, writer, seed, scale)


def _finish_strokes(low: np.ndarray, writer: Writer, seed: int, scale: float) -> np.ndarray:
    """Upsample, slant, rotate slightly, thicken and soften strokes; crop to the ink."""
    up = low if scale == 1.0 else cv2.resize(low, None, fx=1 / scale, fy=1 / scale,
                                             interpolation=cv2.INTER_LINEAR)
    h, w = up.shape
    angle = math.radians(random.Random(seed).gauss(0.0, writer.drift))
    cos, sin = math.cos(angle), math.sin(angle)
    affine = np.array([[cos, -sin + writer.slant, 0.0], [sin, cos, 0.0]], dtype=np.float64)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64) @ affine.T
    affine[:, 2] = -corners.min(axis=0)
    size = np.ceil(corners.max(axis=0) - corners.min(axis=0)).astype(int)
    out = cv2.warpAffine(up, affine, (int(size[0]), int(size[1])), flags=cv2.INTER_LINEAR)
    if writer.weight > 0:
        k = writer.weight + 1
        out = cv2.dilate(out, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    out = cv2.GaussianBlur(out, (0, 0), 0.8)
    out = np.clip(out * 1.4, 0.0, 1.0)
    ys, xs = np.nonzero(out > 0.05)
    if len(xs) == 0:
        return np.zeros((1, 1), np.float32)
    return out[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def composite_ink(canvas: np.ndarray, alpha: np.ndarray, x: int, y: int,
                  ink: tuple[int, int, int], strength: float = 0.95) -> None:
    """Lay ink of coverage `alpha` with its top-left at (x, y), clipped to the canvas."""
    h, w = alpha.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, canvas.shape[1]), min(y + h, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None] * strength
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    # Ink is absorbed, not painted: darker of paper and ink where they overlap.
    inked = np.minimum(region, np.array(ink, np.float32))
    canvas[y0:y1, x0:x1] = (region * (1 - a) + inked * a).astype(np.uint8)


def _place(alpha: np.ndarray, cell: Box, writer: Writer, rng: random.Random) -> tuple[int, int]:
    """Where the written text starts in its cell: centred or left, sometimes off-centre."""
    x, y, w, h = cell
    th, tw = alpha.shape
    room = w - tw
    if writer.centred:
        left = x + room // 2 + int(rng.gauss(0, max(room, 0) * 0.08))
    else:
        left = x + int(min(max(room, 0), w * rng.uniform(0.02, 0.12)))
    top = y + (h - th) // 2 + int(rng.gauss(0, h * 0.07))
    if rng.random() < 0.08:  # careless writing that touches the ruled line
        top = y - int(th * 0.12) if rng.random() < 0.5 else y + h - int(th * 0.88)
    return left, top


def write_in_cell(canvas: np.ndarray, cell: Box, text: str, writer: Writer,
                  rng: random.Random, size_frac: float | None = None) -> None:
    """Handwrite `text` into a cell, shrinking or wrapping to two lines when it is too long."""
    x, y, w, h = cell
    size = int(h * (size_frac or writer.size_frac))
    size = min(size, int(h * 0.8), MAX_GLYPH_PX)
    alpha = render_text(text, writer, size, rng.randrange(2**31))
    if alpha.shape[1] > w * 0.95:
        shrink = w * 0.93 / alpha.shape[1]
        if shrink < 0.65 and len(text) > 6 and h > size * 1.6:
            # People break a long date after the year, anything else about midway.
            half = text.index("年") + 1 if "年" in text[1:-2] else (len(text) + 1) // 2
            sub_h = h // 2
            write_in_cell(canvas, (x, y, w, sub_h), text[:half], writer, rng, 0.75)
            write_in_cell(canvas, (x, y + sub_h, w, h - sub_h), text[half:], writer, rng, 0.75)
            return
        alpha = cv2.resize(alpha, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    left, top = _place(alpha, cell, writer, rng)
    composite_ink(canvas, alpha, left, top, writer.ink, rng.uniform(0.85, 1.0))


def _stroke_mask(shape: tuple[int, int], paths: list[np.ndarray], thickness: int) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for path in paths:
        cv2.polylines(mask, [path.astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 0.7)


def draw_tick(canvas: np.ndarray, box: Box, mark: str, writer: Writer, rng: random.Random) -> None:
    """Mark a printed box with ✓, × or a filled square, as hands do (often overshooting)."""
    x, y, side, _ = box
    pad = side
    shape = (3 * side, 3 * side)
    jit = lambda v: v + rng.gauss(0, side * 0.06)  # noqa: E731
    thick = max(3, 3 + writer.weight + int(side / 40))
    if mark == "check":
        s = side * rng.uniform(1.0, 1.7)
        ox, oy = pad + side * rng.uniform(-0.1, 0.3), pad + side * rng.uniform(0.8, 1.1)
        pts = np.array([[jit(ox), jit(oy - s * 0.45)], [jit(ox + s * 0.3), jit(oy)],
                        [jit(ox + s * 0.95), jit(oy - s * 1.05)]])
        mask = _stroke_mask(shape, [_smooth(pts)], thick)
    elif mark == "cross":
        a, b = pad + side * 0.05, pad + side * 0.95
        mask = _stroke_mask(shape, [np.array([[jit(a), jit(a)], [jit(b), jit(b)]]),
                                    np.array([[jit(b), jit(a)], [jit(a), jit(b)]])], thick)
    else:
        mask = np.zeros(shape, np.float32)
        inset = max(2, side // 8)
        cv2.rectangle(mask, (pad + inset, pad + inset), (pad + side - inset, pad + side - inset),
                      0.9, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 1.2)
    composite_ink(canvas, mask, x - pad, y - pad, writer.ink, rng.uniform(0.85, 1.0))


def _smooth(points: np.ndarray, steps: int = 12) -> np.ndarray:
    """A polyline through `points` with rounded joins (quadratic pieces)."""
    out = [points[0]]
    for a, b, c in zip(points[:-2], points[1:-1], points[2:], strict=True):
        m0, m1 = (a + b) / 2, (b + c) / 2
        for t in np.linspace(0, 1, steps):
            out.append((1 - t) ** 2 * m0 + 2 * (1 - t) * t * b + t**2 * m1)
    out.append(points[-1])
    return np.array(out)


def write_signature(canvas: np.ndarray, cell: Box, name: str, writer: Writer,
                    rng: random.Random) -> None:
    """A scribbly signature: the name written fast (cramped, shaky, leaning) plus a flourish."""
    w, h = cell[2], cell[3]
    fast = Writer(writer.face, writer.size_frac, writer.slant + rng.uniform(0.1, 0.35),
                  writer.shake, writer.spacing, writer.ink, writer.weight, writer.centred,
                  writer.drift + 3)
    size = int(h * rng.uniform(0.5, 0.75))
    alpha = render_text(name, fast, size, rng.randrange(2**31), shake=rng.uniform(0.05, 0.09),
                        spacing=rng.uniform(-0.35, -0.1))
    if alpha.shape[1] > w * 0.9:
        f = w * 0.9 / alpha.shape[1]
        alpha = cv2.resize(alpha, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    left, top = _place(alpha, cell, fast, rng)
    composite_ink(canvas, alpha, left, top, writer.ink)
    if rng.random() < 0.5:
        th, tw = alpha.shape
        pts = np.array([[0, th * 0.9], [tw * 0.5, th * rng.uniform(0.8, 1.1)],
                        [tw * rng.uniform(0.9, 1.15), th * rng.uniform(0.4, 0.8)]])
        flourish = _stroke_mask((int(th * 1.3), int(tw * 1.3)), [_smooth(pts)], 3 + writer.weight)
        composite_ink(canvas, flourish, left, top, writer.ink)
