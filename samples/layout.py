"""Printed (still empty) forms R and S with per-print-run layout variation, plus cell geometry.

`draw_service_card` and `draw_registration` return a `FlatForm`: the grey-level page at
300 dpi and the interior box of every field cell, keyed like FORMS.md (`rows.3.date`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from forms import spec
from forms.geometry import (
    A4_PORTRAIT_MM,
    A5_LANDSCAPE_MM,
    R_CONTACT_COLUMNS,
    R_MEMBER_COLUMNS,
    S_HEADER_COLUMNS,
    S_RECORD_COLUMNS,
    page_px,
)
from samples.fonts import PRINTED_FAMILIES, FontFace, load_font, printed_faces
from samples.printing import (
    Box,
    Grid,
    draw_grid,
    draw_text_in,
    fit_font_size,
    line_widths,
    positions,
    qr_image,
    split_widths,
    text_size,
    wrap_text,
)

FORM_DPI = 300
# Paper sizes and nominal column proportions come from the printed layout
# (forms/geometry.py); margins, row heights and fonts vary per print run here.
A4_PORTRAIT = page_px(A4_PORTRAIT_MM, FORM_DPI)
A5_LANDSCAPE = page_px(A5_LANDSCAPE_MM, FORM_DPI)


@dataclass(frozen=True)
class PrintStyle:
    """What varies between print runs of the same form."""

    face: FontFace
    line_w: int
    outer_w: int
    ink: int
    margin_x: float
    margin_top: float
    scale: float
    jitter: tuple[float, ...]
    one_table: bool
    bold_title: bool
    section_align: str


@dataclass
class FlatForm:
    """A printed page before handwriting: grey image, field cells, and spots to tick or print."""

    kind: str
    image: np.ndarray
    cells: dict[str, Box] = field(default_factory=dict)
    manner_boxes: dict[int, tuple[Box, Box, Box]] = field(default_factory=dict)
    card_code: str | None = None
    year_printed: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return (int(self.image.shape[1]), int(self.image.shape[0]))


def random_print_style(rng: random.Random) -> PrintStyle:
    style = rng.choices(list(PRINTED_FAMILIES), weights=(5, 3, 2))[0]
    line_w = rng.choice((2, 3, 3, 4, 4, 5))
    return PrintStyle(
        face=rng.choice(printed_faces(style)),
        line_w=line_w,
        outer_w=line_w + rng.choice((0, 0, 1, 2, 3)),
        ink=rng.randint(10, 60),
        margin_x=rng.uniform(0.05, 0.095),
        margin_top=rng.uniform(0.035, 0.07),
        scale=rng.uniform(0.9, 1.06),
        jitter=tuple(rng.uniform(0.85, 1.15) for _ in range(12)),
        one_table=rng.random() < 0.4,
        bold_title=rng.random() < 0.6,
        section_align=rng.choice(("center", "center", "left")),
    )


def _jittered(base: list[float], style: PrintStyle, offset: int = 0) -> list[float]:
    return [b * style.jitter[(i + offset) % len(style.jitter)] for i, b in enumerate(base)]


def _band(x0: int, widths: list[int], y0: int, heights: list[int], style: PrintStyle,
          top_outer: bool = True, bottom_outer: bool = True) -> Grid:
    xs = positions(x0, widths)
    ys = positions(y0, heights)
    yw = [style.line_w] * len(ys)
    if top_outer:
        yw[0] = style.outer_w
    if bottom_outer:
        yw[-1] = style.outer_w
    return Grid(xs, ys, line_widths(len(xs), style.line_w, style.outer_w), tuple(yw))


def _place_qr(page: Image.Image, text: str, right: int, top: int, module_px: int) -> int:
    """Paste a QR code with its top-right corner at (right, top); returns its left edge."""
    qr = qr_image(text, module_px)
    page.paste(qr, (right - qr.width, top))
    return right - qr.width


def _draw_year(draw: ImageDraw.ImageDraw, style: PrintStyle, right: int, mid_y: int, size: int,
               year: int | None) -> Box:
    """`年度：____` ending at `right`; returns the blank area right of the label."""
    font = load_font(style.face, size)
    blank_w = int(size * 3.6)
    label_w, _ = text_size(font, spec.S_YEAR_LABEL)
    x_label = right - blank_w - label_w
    bbox = draw_text_in(draw, (x_label, mid_y - size, label_w + 4, 2 * size), spec.S_YEAR_LABEL,
                        font, style.ink, align="left")
    underline_y = bbox[3] + max(3, size // 10)
    x_blank = bbox[2] + 4
    draw.rectangle((x_blank, underline_y, x_blank + blank_w - 1, underline_y + style.line_w - 1),
                   fill=style.ink)
    cell = (x_blank, underline_y - int(size * 1.8), blank_w, int(size * 1.8))
    if year is not None:
        draw_text_in(draw, cell, str(year), font, style.ink)
    return cell


def draw_service_card(rng: random.Random, style: PrintStyle, *, year: int, year_printed: bool,
                      card_code: str | None) -> FlatForm:
    """Form S, A5 landscape: title with `年度：`, header table, record table, footer note."""
    width, height = A5_LANDSCAPE
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    s = style.scale
    x0 = int(width * style.margin_x) + rng.randint(-20, 20)
    table_w = width - 2 * int(width * style.margin_x)
    top = int(height * style.margin_top)
    title_size = int(66 * s)
    label_size = int(44 * s)
    form = FlatForm("service_card", np.zeros(0), card_code=card_code, year_printed=year_printed)

    # Title row: QR (if any) at the far right, 年度 left of it, title centred in what remains.
    right = x0 + table_w
    row_h = int(title_size * 1.5)
    if card_code is not None:
        module_px = rng.choice((5, 6, 6, 7))
        right = _place_qr(page, card_code, x0 + table_w + rng.randint(0, 30), max(10, top - 40),
                          module_px) - int(20 * s)
        row_h = max(row_h, 25 * module_px + 20 - max(0, 40 - top))
    mid_y = top + row_h // 2
    year_size = int(label_size * rng.uniform(1.0, 1.2))
    form.cells["year"] = _draw_year(draw, style, right, mid_y, year_size,
                                    year if year_printed else None)
    title_right = form.cells["year"][0] - text_size(load_font(style.face, year_size),
                                                    spec.S_YEAR_LABEL)[0] - int(30 * s)
    title_font = load_font(style.face, title_size)
    title_font = load_font(style.face, fit_font_size(title_font, spec.S_TITLE,
                                                     title_right - x0, title_size))
    draw_text_in(draw, (x0, mid_y - title_size, title_right - x0, 2 * title_size), spec.S_TITLE,
                 title_font, style.ink, bold=style.bold_title)
    y = top + row_h + int(rng.uniform(20, 45) * s)

    # Space left for the tables once the footer is set.
    foot_font = load_font(style.face, int(34 * s))
    foot_lines = wrap_text(foot_font, spec.S_FOOTER, table_w)
    foot_h = len(foot_lines) * int(34 * s * 1.45)
    bottom = height - int(height * rng.uniform(0.03, 0.05)) - foot_h - int(15 * s)
    head_h = int(rng.uniform(88, 108) * s)
    rec_title_h = int(rng.uniform(70, 90) * s)
    gap = 0 if style.one_table else int(rng.uniform(10, 30) * s)
    rec_head_h = int(rng.uniform(70, 88) * s)
    row_hs = bottom - y - 2 * head_h - rec_title_h - gap - rec_head_h
    rec_row_h = min(row_hs // spec.S_RECORD_ROWS, int(rng.uniform(118, 140) * s))
    label_font = load_font(style.face, label_size)

    head_widths = split_widths(table_w, _jittered(list(S_HEADER_COLUMNS), style))
    head = _band(x0, head_widths, y, [head_h, head_h], style, bottom_outer=not style.one_table)
    draw_grid(draw, head, style.ink)
    for r, (labels, keys) in enumerate(zip(spec.S_HEADER_LABELS, spec.S_HEADER_KEYS, strict=True)):
        for c, (label, key) in enumerate(zip(labels, keys, strict=True)):
            box = head.cell(2 * c, r)
            size = fit_font_size(label_font, label, box[2] - 12, label_size)
            draw_text_in(draw, box, label, load_font(style.face, size), style.ink)
            form.cells[key] = head.cell(2 * c + 1, r)
    y = head.ys[-1]

    title_font2 = load_font(style.face, int(label_size * 1.15))
    if style.one_table:
        band = _band(x0, [table_w], y, [rec_title_h], style, top_outer=False, bottom_outer=False)
        draw_grid(draw, band, style.ink)
        draw_text_in(draw, band.cell(0, 0), spec.S_RECORD_TITLE, title_font2, style.ink,
                     align=style.section_align, pad=30, bold=True)
        y = band.ys[-1]
    else:
        y += head.yw[-1] + gap
        draw_text_in(draw, (x0, y, table_w, rec_title_h), spec.S_RECORD_TITLE, title_font2,
                     style.ink, align=style.section_align, pad=10, bold=True)
        y += rec_title_h

    rec_widths = split_widths(table_w, _jittered(list(S_RECORD_COLUMNS), style, 6))
    heights = [rec_head_h] + [rec_row_h] * spec.S_RECORD_ROWS
    rec = _band(x0, rec_widths, y, heights, style, top_outer=not style.one_table)
    draw_grid(draw, rec, style.ink)
    for c, header in enumerate(spec.S_RECORD_HEADERS):
        box = rec.cell(c, 0)
        size = fit_font_size(label_font, header, box[2] - 10, label_size)
        draw_text_in(draw, box, header, load_font(style.face, size), style.ink)
    manner_w = rec.cell(2, 1)[2]
    manner_size = min(label_size, int((manner_w - 24) / 10.6))
    manner_font = load_font(style.face, manner_size)
    for i in range(1, spec.S_RECORD_ROWS + 1):
        draw_text_in(draw, rec.cell(0, i), str(i), label_font, style.ink)
        for c, key in enumerate(spec.S_ROW_FIELDS, start=1):
            form.cells[f"rows.{i}.{key}"] = rec.cell(c, i)
        form.manner_boxes[i] = _draw_manner_boxes(draw, rec.cell(2, i), manner_font, manner_size,
                                                  style)
    y = rec.ys[-1] + rec.yw[-1] + int(12 * s)
    _draw_lines(draw, x0, y, foot_lines, foot_font, int(34 * s * 1.45), style.ink)
    form.image = np.asarray(page)
    return form


def _draw_manner_boxes(draw: ImageDraw.ImageDraw, cell: Box, font: object, size: int,
                       style: PrintStyle) -> tuple[Box, Box, Box]:
    """`□走访 □电话 □其他` spread over the cell; returns the three printed squares."""
    x, y, w, h = cell
    side = int(size * 0.78)
    item_w = side + int(size * 0.2) + 2 * size
    gap = max(4, (w - 3 * item_w) // 4)
    boxes = []
    cx = x + gap
    for label in spec.S_MANNER_BOXES:
        by = y + (h - side) // 2
        bw = max(2, style.line_w - 1)
        draw.rectangle((cx, by, cx + side - 1, by + side - 1), outline=style.ink, width=bw)
        boxes.append((cx, by, side, side))
        draw_text_in(draw, (cx + side + int(size * 0.2), y, 2 * size + 4, h), label, font,  # type: ignore[arg-type]
                     style.ink, align="left")
        cx += item_w + gap
    return (boxes[0], boxes[1], boxes[2])


def _draw_lines(draw: ImageDraw.ImageDraw, x: int, y: int, lines: list[str], font: object,
                step: int, ink: int) -> None:
    for n, line in enumerate(lines):
        draw.text((x, y + n * step), line, font=font, fill=ink)  # type: ignore[arg-type]


def draw_registration(rng: random.Random, style: PrintStyle, *, card_code: str | None) -> FlatForm:
    """Form R, A4 portrait: title, member and contact sections in one ruled table, notes."""
    width, height = A4_PORTRAIT
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    s = style.scale
    x0 = int(width * (style.margin_x + 0.03)) + rng.randint(-25, 25)
    table_w = width - 2 * int(width * (style.margin_x + 0.03))
    top = int(height * (style.margin_top + 0.02))
    form = FlatForm("registration", np.zeros(0), card_code=card_code)
    title_size = int(84 * s)
    label_size = int(52 * s)
    if card_code is not None:
        _place_qr(page, card_code, width - int(width * 0.04), int(height * 0.02),
                  rng.choice((6, 7, 8)))
    title_font = load_font(style.face, title_size)
    draw_text_in(draw, (x0, top, table_w, int(title_size * 1.6)), spec.R_TITLE, title_font,
                 style.ink, bold=style.bold_title)
    y = top + int(title_size * 1.6) + int(rng.uniform(40, 90) * s)

    label_font = load_font(style.face, label_size)
    section_h = int(rng.uniform(100, 125) * s)
    member_h = int(rng.uniform(130, 165) * s)
    col_head_h = int(rng.uniform(100, 125) * s)
    notes_h = int(40 * s * 1.6) * len(spec.R_NOTES) + int(60 * s)
    room = height - int(height * rng.uniform(0.05, 0.08)) - notes_h
    room -= y + 2 * section_h + 2 * member_h + col_head_h
    contact_h = min(int(room / spec.R_CONTACT_ROWS * rng.uniform(0.8, 1.0)), int(380 * s))
    outer = _band(x0, [table_w], y, [section_h], style, bottom_outer=False)
    draw_grid(draw, outer, style.ink)
    draw_text_in(draw, outer.cell(0, 0), spec.R_SECTION_MEMBER, label_font, style.ink,
                 align=style.section_align, pad=30, bold=True)
    y = outer.ys[-1]
    member_widths = split_widths(table_w, _jittered(list(R_MEMBER_COLUMNS), style))
    members = _band(
        x0, member_widths, y, [member_h, member_h], style, top_outer=False, bottom_outer=False
    )
    draw_grid(draw, members, style.ink)
    for r, (labels, keys) in enumerate(zip(spec.R_MEMBER_LABELS, spec.R_MEMBER_KEYS, strict=True)):
        for c, (label, key) in enumerate(zip(labels, keys, strict=True)):
            draw_text_in(draw, members.cell(2 * c, r), label, label_font, style.ink)
            form.cells[key] = members.cell(2 * c + 1, r)
    y = members.ys[-1]
    section = _band(x0, [table_w], y, [section_h], style, top_outer=False, bottom_outer=False)
    draw_grid(draw, section, style.ink)
    draw_text_in(draw, section.cell(0, 0), spec.R_SECTION_CONTACTS, label_font, style.ink,
                 align=style.section_align, pad=30, bold=True)
    y = section.ys[-1]
    contact_widths = split_widths(table_w, _jittered(list(R_CONTACT_COLUMNS), style, 5))
    heights = [col_head_h] + [contact_h] * spec.R_CONTACT_ROWS
    contacts = _band(x0, contact_widths, y, heights, style, top_outer=False)
    draw_grid(draw, contacts, style.ink)
    for c, header in enumerate(spec.R_CONTACT_HEADERS):
        draw_text_in(draw, contacts.cell(c, 0), header, label_font, style.ink)
    for i in range(1, spec.R_CONTACT_ROWS + 1):
        draw_text_in(draw, contacts.cell(0, i), str(i), label_font, style.ink)
        for c, key in enumerate(spec.R_CONTACT_FIELDS, start=1):
            form.cells[f"contacts.{i}.{key}"] = contacts.cell(c, i)
    y = contacts.ys[-1] + contacts.yw[-1] + int(rng.uniform(30, 60) * s)
    note_size = int(40 * s)
    note_font = load_font(style.face, note_size)
    indent = text_size(note_font, "注：")[0]
    for n, note in enumerate(spec.R_NOTES):
        x = x0 if n == 0 else x0 + indent
        draw.text((x, y + n * int(note_size * 1.6)), note, font=note_font, fill=style.ink)
    form.image = np.asarray(page)
    return form
