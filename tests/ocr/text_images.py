"""Rendered text lines and cells for recognizer tests (a Kai font, like handwriting)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

KAI_FONTS = (
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/lxgw/LXGWWenKai-Regular.ttf",
)


def kai_font(size: int) -> ImageFont.FreeTypeFont:
    for path in KAI_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    raise FileNotFoundError("no Kai font: run scripts/setup.sh (fonts-arphic-ukai)")


def text_image(text: str, *, size: int = 40, pad: int = 10) -> np.ndarray:
    """One line of dark text on white paper, as a grayscale array."""
    font = kai_font(size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=20)
    return np.array(image)


def ruled_cell(lines: list[str], *, width: int, height: int, size: int = 34) -> np.ndarray:
    """A table cell with its ruled border and one or more handwritten-looking lines."""
    cell = np.full((height, width), 250, np.uint8)
    cell[:3, :] = cell[-3:, :] = 30
    cell[:, :3] = cell[:, -3:] = 30
    step = height // (len(lines) + 1)
    for i, text in enumerate(lines, start=1):
        line = text_image(text, size=size, pad=0)
        y = i * step - line.shape[0] // 2
        x = 15
        h, w = line.shape
        w = min(w, width - x - 6)
        cell[y : y + h, x : x + w] = np.minimum(cell[y : y + h, x : x + w], line[:, :w])
    return cell
