"""Drawing primitives of a printed form: ruled grids, centred labels, wrapped notes, QR codes.

Coordinates are flat-form pixels. A ruled line at position `p` with width `w` covers
pixels `p … p+w-1`, so the interior of a cell between lines `a` and `b` starts at `a+w_a`
and ends before `b`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

Box = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class Grid:
    """A band of cells: vertical line positions `xs`, horizontal `ys`, and their widths."""

    xs: tuple[int, ...]
    ys: tuple[int, ...]
    xw: tuple[int, ...]
    yw: tuple[int, ...]

    def cell(self, col: int, row: int, span: int = 1) -> Box:
        """Interior of a cell (inside its ruled lines), spanning `span` columns."""
        x0 = self.xs[col] + self.xw[col]
        y0 = self.ys[row] + self.yw[row]
        return (x0, y0, self.xs[col + span] - x0, self.ys[row + 1] - y0)


def split_widths(total: int, fractions: list[float]) -> list[int]:
    """Integer widths proportional to `fractions` that sum exactly to `total`."""
    norm = sum(fractions)
    edges = [round(total * sum(fractions[: i + 1]) / norm) for i in range(len(fractions))]
    return [b - a for a, b in zip([0, *edges[:-1]], edges, strict=True)]


def positions(start: int, widths: list[int]) -> tuple[int, ...]:
    """Line positions from a start and the spans between successive lines."""
    out = [start]
    for w in widths:
        out.append(out[-1] + w)
    return tuple(out)


def line_widths(count: int, inner: int, outer: int) -> tuple[int, ...]:
    """Widths of `count` lines: the first and last are the table's outer frame."""
    return tuple(outer if i in (0, count - 1) else inner for i in range(count))


def draw_grid(draw: ImageDraw.ImageDraw, grid: Grid, ink: int) -> None:
    """Rule all lines of a grid."""
    x0, x1 = grid.xs[0], grid.xs[-1] + grid.xw[-1] - 1
    y0, y1 = grid.ys[0], grid.ys[-1] + grid.yw[-1] - 1
    for y, w in zip(grid.ys, grid.yw, strict=True):
        draw.rectangle((x0, y, x1, y + w - 1), fill=ink)
    for x, w in zip(grid.xs, grid.xw, strict=True):
        draw.rectangle((x, y0, x + w - 1, y1), fill=ink)


def text_size(font: ImageFont.FreeTypeFont, text: str) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return int(right - left), int(bottom - top)


def draw_text_in(
    draw: ImageDraw.ImageDraw,
    box: Box,
    text: str,
    font: ImageFont.FreeTypeFont,
    ink: int,
    align: str = "center",
    pad: int = 0,
    bold: bool = False,
) -> tuple[int, int, int, int]:
    """Draw one line of text vertically centred in a box; returns its ink bbox (x0, y0, x1, y1)."""
    x, y, w, h = box
    left, top, right, bottom = font.getbbox(text)
    tw, th = right - left, bottom - top
    if align == "center":
        tx = x + (w - tw) / 2 - left
    elif align == "left":
        tx = x + pad - left
    else:
        tx = x + w - pad - tw - left
    ty = y + (h - th) / 2 - top
    draw.text((tx, ty), text, font=font, fill=ink, stroke_width=1 if bold else 0, stroke_fill=ink)
    return (int(tx + left), int(ty + top), int(tx + right), int(ty + bottom))


def fit_font_size(font: ImageFont.FreeTypeFont, text: str, max_w: int, size: int) -> int:
    """Largest size ≤ `size` at which `text` fits in `max_w` pixels."""
    width = text_size(font, text)[0]
    return size if width <= max_w else max(8, int(size * max_w / max(width, 1)))


def wrap_text(font: ImageFont.FreeTypeFont, text: str, max_w: int) -> list[str]:
    """Greedy character wrap (Chinese has no spaces), keeping punctuation off line starts."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and text_size(font, current + ch)[0] > max_w and ch not in "，。、）；：":
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def qr_image(text: str, module_px: int, quiet: int = 2) -> Image.Image:
    """A QR code as an 'L' image with `module_px` pixels per module and a quiet zone."""
    code = segno.make(text, error="m", micro=False)
    modules = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    modules = np.pad(modules, quiet)
    pixels = np.where(modules > 0, 0, 255).astype(np.uint8)
    pixels = np.repeat(np.repeat(pixels, module_px, axis=0), module_px, axis=1)
    return Image.fromarray(pixels, mode="L")
