"""Scanner and phone-camera realism. Each capture returns the image and the exact 3×3 matrix
mapping flat-form pixels (300 dpi) to pixels of the returned image.

Coordinates follow OpenCV's convention (integer pixel centres); every geometric step —
scale, placing on the bed, skew, perspective, quarter turns — is composed into the matrix
and applied by a single warp, so the matrix is what the pixels obey.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

from samples.paper import smooth_noise

FORM_DPI = 300
BED_INCHES = (8.5, 11.69)  # letter-width, A4-length flatbed glass


@dataclass(frozen=True)
class Capture:
    """A page as stored in the batch: pixels, form→image matrix, its dpi and quarter turn."""

    image: np.ndarray
    matrix: np.ndarray
    dpi: int
    rotation: int  # clockwise degrees to turn the image to read it


def translation(tx: float, ty: float) -> np.ndarray:
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], np.float64)


def scaling(s: float) -> np.ndarray:
    return np.array([[s, 0, 0], [0, s, 0], [0, 0, 1]], np.float64)


def rotation_about(deg: float, cx: float, cy: float) -> np.ndarray:
    a = math.radians(deg)
    rot = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    return translation(cx, cy) @ rot @ translation(-cx, -cy)


def quarter_turn(k: int, width: int, height: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Matrix of `np.rot90(img, k)` (counter-clockwise) on a width×height image, and new size."""
    m = np.eye(3)
    w, h = width, height
    for _ in range(k % 4):
        m = np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]], np.float64) @ m
        w, h = h, w
    return m, (w, h)


def apply_matrix(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map N×2 points through a homography."""
    pts = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return pts[:, :2] / pts[:, 2:3]


def _warp(form: np.ndarray, matrix: np.ndarray, size: tuple[int, int], scale: float
          ) -> tuple[np.ndarray, np.ndarray]:
    """Warp the sheet and its coverage mask; blur first when shrinking, as optics would."""
    if scale < 0.95:
        form = cv2.GaussianBlur(form, (0, 0), 0.45 / scale)
    img = cv2.warpPerspective(form, matrix, size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    ones = np.full(form.shape[:2], 255, np.uint8)
    mask = cv2.warpPerspective(ones, matrix, size, flags=cv2.INTER_LINEAR)
    return img, mask


def _shadowed(background: np.ndarray, mask: np.ndarray, shadow: float,
              shift: tuple[int, int]) -> np.ndarray:
    """Darken the background where the sheet casts a soft shadow (computed at 1/4 size)."""
    h, w = mask.shape
    small = cv2.resize(mask, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    small = np.roll(small, (max(1, shift[0] // 4), max(1, shift[1] // 4)), axis=(0, 1))
    shade = cv2.GaussianBlur(small.astype(np.float32) / 255.0, (0, 0), 2.0)
    factor = cv2.resize(1.0 - shadow * shade, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(background, cv2.merge([factor] * 3), dtype=cv2.CV_8U)


def _composite(sheet: np.ndarray, mask: np.ndarray, background: np.ndarray,
               corners: np.ndarray) -> np.ndarray:
    """Sheet over background by its coverage mask, with a faint darker paper edge."""
    weight = mask.astype(np.float32) * (1.0 / 255.0)
    out = cv2.blendLinear(sheet, background, weight, 1.0 - weight)
    edge = tuple(int(v * 0.85) for v in cv2.mean(sheet, mask)[:3])
    cv2.polylines(out, [np.round(corners * 16).astype(np.int32)], True, edge, 2, cv2.LINE_AA,
                  shift=4)
    return out


def _noise_tile(gen: np.random.Generator, sigma: float) -> np.ndarray:
    """Sensor noise as a uint8 tile centred on 128 (tiled over the page; fast and unseen)."""
    tile = gen.normal(128.0, sigma, (509, 503))
    return np.clip(tile, 0, 255).astype(np.uint8)


def _finish(img: np.ndarray, gen: np.random.Generator, noise: float, gray: bool) -> np.ndarray:
    """Add sensor noise and convert to grey when the scanner is set so."""
    if gray:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    if noise <= 0:
        return img
    h, w = img.shape[:2]
    tile = _noise_tile(gen, noise)
    full = np.tile(tile, (h // tile.shape[0] + 1, w // tile.shape[1] + 1))[:h, :w]
    if not gray:
        full = cv2.merge([full] * 3)  # luminance noise: sensors' chroma noise is filtered out
    return cv2.addWeighted(img, 1.0, full, 1.0, -128.0)


def _turn(img: np.ndarray, matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    turn, _ = quarter_turn(k, img.shape[1], img.shape[0])
    return np.ascontiguousarray(np.rot90(img, k)), turn @ matrix


def _sheet_corners(matrix: np.ndarray, w: int, h: int) -> np.ndarray:
    return apply_matrix(matrix, np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], float))


def _uniform_or_centre(rng: random.Random, low: float, high: float) -> float:
    return rng.uniform(low, high) if high > low else (low + high) / 2


def flatbed_scan(
    sheet: np.ndarray,
    rng: random.Random,
    *,
    dpi: int,
    gray: bool,
    k: int,
    crop_to_sheet: bool,
    skew: float,
    sheet_dpi: int = FORM_DPI,
) -> Capture:
    """A sheet on a flatbed (whole glass with grey lid) or through a feeder (cropped to it).

    The matrix maps pixels of the sheet, drawn at ``sheet_dpi``, to the scan at ``dpi``."""
    gen = np.random.default_rng(rng.randrange(2**32))
    # The sheet lies turned on the glass; the bed itself stays upright.
    turn, _ = quarter_turn(k, sheet.shape[1], sheet.shape[0])
    sheet = np.ascontiguousarray(np.rot90(sheet, k))
    h, w = sheet.shape[:2]
    s = dpi / sheet_dpi
    if crop_to_sheet:
        margin = rng.uniform(0.0, 0.06) * dpi
        out_w, out_h = int(w * s + 2 * margin), int(h * s + 2 * margin)
    else:
        out_w, out_h = int(BED_INCHES[0] * dpi), int(BED_INCHES[1] * dpi)
    placed = rotation_about(skew, w * s / 2, h * s / 2) @ scaling(s)
    corners = _sheet_corners(placed, w, h)
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    pos = [_uniform_or_centre(rng, -lo[i] + 0.01 * dpi, size - hi[i] - 0.01 * dpi)
           for i, size in enumerate((out_w, out_h))]
    if not crop_to_sheet and h * s > out_h * 0.8:  # a full sheet lies against the glass corner
        pos = [-lo[0] + rng.uniform(0.01, 0.04) * dpi, -lo[1] + rng.uniform(0.01, 0.05) * dpi]
    matrix = translation(pos[0], pos[1]) @ placed
    img, mask = _warp(sheet, matrix, (out_w, out_h), s)
    lid = rng.uniform(205, 238)
    lid_small = lid + 1.2 * smooth_noise(gen, (out_h // 16, out_w // 16), 6)
    lid_img = cv2.resize(np.clip(lid_small, 0, 255).astype(np.uint8), (out_w, out_h))
    background = _shadowed(cv2.merge([lid_img] * 3), mask, rng.uniform(0.1, 0.3),
                           (rng.randint(1, 4), rng.randint(1, 4)))
    comp = _composite(img, mask, background, _sheet_corners(matrix, w, h))
    comp = cv2.convertScaleAbs(comp, alpha=rng.uniform(0.97, 1.03), beta=rng.uniform(-4, 4))
    out = _finish(comp, gen, rng.uniform(0.5, 1.5), gray)
    return Capture(out, matrix @ turn, dpi, (90 * k) % 360)


def _table_texture(gen: np.random.Generator, shape: tuple[int, int], rng: random.Random
                   ) -> np.ndarray:
    """A darker wooden or stone table top: colour, grain and blotches (uint8 RGB)."""
    base = np.array(rng.choice(((120, 85, 55), (95, 70, 50), (80, 80, 85), (140, 110, 80),
                                (60, 55, 50))), np.float32)
    h, w = shape
    sh, sw = max(2, h // 4), max(2, w // 4)
    grain_small = gen.standard_normal((max(2, sh // 2), max(2, sw // 40))).astype(np.float32)
    grain = cv2.resize(grain_small, (sw, sh), interpolation=cv2.INTER_CUBIC)
    field = 1.0 + 0.08 * grain + 0.06 * smooth_noise(gen, (sh, sw), 30)
    small = np.clip(base[None, None, :] * field[:, :, None], 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _lighting(shape: tuple[int, int], rng: random.Random) -> np.ndarray:
    """Uneven light of a room (gradient, vignetting, maybe the phone's shadow), ×200 as uint8."""
    h, w = shape
    sh, sw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    grad = ((xx / sw - 0.5) * math.cos(a) + (yy / sh - 0.5) * math.sin(a)) * rng.uniform(0.1, 0.3)
    r2 = ((xx / sw - 0.5) ** 2 + (yy / sh - 0.5) ** 2) * 2
    light = (1.0 + grad) * (1.0 - rng.uniform(0.1, 0.3) * r2)
    if rng.random() < 0.4:
        cx, cy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
        blob = np.exp(-(((xx - cx) / (0.25 * sw)) ** 2 + ((yy - cy) / (0.2 * sh)) ** 2))
        light *= 1.0 - rng.uniform(0.08, 0.18) * blob
    small = np.clip(light * 200.0, 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def phone_photo(sheet: np.ndarray, rng: random.Random, *, k: int) -> Capture:
    """A hand-held shot: perspective, darker textured table, uneven light, blur, JPEG-sized."""
    gen = np.random.default_rng(rng.randrange(2**32))
    h, w = sheet.shape[:2]
    long_side = rng.randint(1600, 3000)
    landscape = w > h
    out_w, out_h = (long_side, long_side * 3 // 4) if landscape else (long_side * 3 // 4, long_side)
    fill = rng.uniform(0.72, 0.9)
    s = min(out_w * fill / w, out_h * fill / h)
    cx = out_w / 2 + rng.uniform(-0.04, 0.04) * out_w
    cy = out_h / 2 + rng.uniform(-0.04, 0.04) * out_h
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    placed = (src - [w / 2, h / 2]) * s
    a = math.radians(rng.uniform(-4, 4))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    placed = placed @ rot.T + [cx, cy]
    # Tilt of the phone: the far edge shrinks; plus some hand shake at each corner.
    tilt = rng.uniform(0.0, 0.08)
    side = rng.randrange(4)
    far = [(0, 1), (1, 2), (2, 3), (3, 0)][side]
    centre = placed.mean(axis=0)
    for i in far:
        placed[i] = centre + (placed[i] - centre) * (1 - tilt)
    placed += gen.normal(0, 0.008 * long_side, placed.shape)
    matrix = cv2.getPerspectiveTransform(src, placed.astype(np.float32)).astype(np.float64)
    img, mask = _warp(sheet, matrix, (out_w, out_h), s)
    background = _shadowed(_table_texture(gen, (out_h, out_w), rng), mask,
                           rng.uniform(0.3, 0.5), (rng.randint(3, 10), rng.randint(3, 10)))
    comp = _composite(img, mask, background, _sheet_corners(matrix, w, h))
    light = cv2.merge([_lighting((out_h, out_w), rng)] * 3)
    comp = cv2.multiply(comp, light, scale=1 / 200)
    cast = np.diag([1.02, 1.0, rng.uniform(0.88, 0.97)]).astype(np.float32)  # warm room light
    comp = cv2.transform(comp, cast)
    comp = cv2.GaussianBlur(comp, (0, 0), rng.uniform(0.5, 1.3))
    out = _finish(comp, gen, rng.uniform(2.0, 5.0), gray=False)
    image, final = _turn(out, matrix, k)
    return Capture(image, final, 72, (90 * k) % 360)
