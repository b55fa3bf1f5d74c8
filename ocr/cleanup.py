"""Binarization and background cleanup: pure functions over grayscale arrays."""

from __future__ import annotations

import cv2
import numpy as np


def resize_to_long_side(gray: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """Shrink ``gray`` so its long side is at most ``long_side``; returns image and scale."""
    h, w = gray.shape[:2]
    scale = min(1.0, long_side / max(h, w))
    if scale >= 1.0:
        return gray, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), scale


def ink_mask(gray: np.ndarray, block: int | None = None, offset: int = 12) -> np.ndarray:
    """Dark strokes (ink, printed lines) as 255 on 0, robust to uneven light.

    A local-mean threshold: a pixel is ink when it is ``offset`` levels darker
    than its neighbourhood, so shadows and paper tint do not count as ink.
    """
    if block is None:
        block = max(15, (min(gray.shape[:2]) // 40) | 1)
    block |= 1
    return cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset
    )


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide out the paper background so the page is white and ink keeps its contrast.

    The background is estimated on a small copy (a grey closing removes the ink),
    which removes uneven light of phone photos and the tint of coloured cards.
    """
    h, w = gray.shape[:2]
    small, _ = resize_to_long_side(gray, 320)
    k = max(3, (round(min(small.shape[:2]) / 25)) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), k / 2)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return flat


def dark_fraction(gray: np.ndarray, contrast: int = 80, inset: float = 0.03) -> float:
    """Share of pixels clearly darker than the paper, away from the sheet's border.

    Bleed-through from the other side of the sheet and scanner specks are light
    grey or tiny, so they stay below ``contrast`` levels under the paper median;
    the scanner's shadow along the sheet edges is left out by the ``inset``.
    """
    h, w = gray.shape[:2]
    m = int(inset * min(h, w))
    inner = gray[m : h - m, m : w - m] if m else gray
    paper = float(np.median(inner))
    dark = inner < paper - contrast
    # Specks: an opening removes isolated dots.
    dark_u8 = cv2.morphologyEx(dark.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return float(dark_u8.mean())
