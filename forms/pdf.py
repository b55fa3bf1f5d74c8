"""Vector PDFs of forms S and R drawn from `forms/geometry.py`: personalized or blank.

Each page has the exact paper size (A5 landscape, A4 portrait) and asks viewers not to
scale it when printing; the Chinese font is a TrueType face embedded as a subset, so
the text prints crisp anywhere. Personalized pages carry the card code as a QR code
top-right; every page carries the four corner marks that ingest aligns scans by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO, Final

import segno
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from forms.geometry import DATA_SIZE, FormGeometry, Rect, Text, registration, service_card

QR_QUIET_MODULES: Final = 4
LAYOUT: Final = "layout"
YEAR_UNDERLINE: Final = 2.0  # mm above the bottom of the year's blank
INK: Final = (0.0, 0.0, 0.0)

# TrueType faces reportlab can embed (Debian's Noto CJK is CFF-flavoured OpenType, which
# it cannot). Body text in a Song/Ming face, titles and filled-in data in a Hei face.
BODY_FONTS: Final = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", 0),
)
HEAD_FONTS: Final = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", 0),
)


class FontMissingError(RuntimeError):
    """No embeddable Chinese TrueType font is installed."""


@dataclass(frozen=True)
class CardPrint:
    """What one service card carries; all None (but the year) on a blank generic card."""

    year: int | None
    code: str | None = None  # `SC1|Y|<member_code>|<contact_no>`
    member_name: str | None = None
    sector: str | None = None
    member_phone: str | None = None
    committee: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None

    def values(self) -> dict[str, str]:
        """Field key → text printed in its blank."""
        named = {
            "member_name": self.member_name,
            "sector": self.sector,
            "member_phone": self.member_phone,
            "committee": self.committee,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
        }
        return {k: v for k, v in named.items() if v}


@dataclass(frozen=True)
class RegistrationPrint:
    """What one form R carries: the member's own details (contacts are written by hand)."""

    year: int | None
    code: str | None = None  # `RT1|Y|<member_code>`
    member_name: str | None = None
    sector: str | None = None
    member_phone: str | None = None
    committee: str | None = None

    def values(self) -> dict[str, str]:
        named = {
            "member_name": self.member_name,
            "sector": self.sector,
            "member_phone": self.member_phone,
            "committee": self.committee,
        }
        return {k: v for k, v in named.items() if v}


@cache
def _font(role: str) -> str:
    """Register and return the name of the body or heading font (first one installed)."""
    for path, index in BODY_FONTS if role == "body" else HEAD_FONTS:
        if Path(path).is_file():
            name = f"cardscan-{role}"
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
            return name
    raise FontMissingError(
        "no embeddable Chinese TrueType font found; install fonts-arphic-uming or "
        "fonts-wqy-zenhei (scripts/setup.sh does)"
    )


def write_cards(cards: Iterable[CardPrint], out: Path | BinaryIO) -> int:
    """Write one A5-landscape page per card; returns the number of pages."""
    geometry = service_card()
    canvas = _canvas(out, geometry, "靖江市政协委员联系群众服务卡")
    pages = 0
    for card in cards:
        _page(canvas, geometry, card.values(), card.code)
        if card.year is not None:
            _year(canvas, geometry, card.year)
        canvas.showPage()
        pages += 1
    canvas.save()
    return pages


def write_registrations(forms: Iterable[RegistrationPrint], out: Path | BinaryIO) -> int:
    """Write one A4-portrait page per form R; returns the number of pages."""
    geometry = registration()
    canvas = _canvas(out, geometry, "靖江市政协委员联系界别群众登记表")
    pages = 0
    for form in forms:
        _page(canvas, geometry, form.values(), form.code)
        canvas.showPage()
        pages += 1
    canvas.save()
    return pages


def _canvas(out: Path | BinaryIO, geometry: FormGeometry, title: str) -> Canvas:
    target = str(out) if isinstance(out, Path) else out
    canvas = Canvas(target, pagesize=(geometry.width * mm, geometry.height * mm), invariant=True,
                    pageCompression=1, initialFontName=_font("body"), initialFontSize=10)
    canvas.setTitle(title)  # never personal data in the metadata
    canvas.setCreator("cardscan")
    canvas.setViewerPreference("PrintScaling", "None")  # print at 100 %
    # What every page of the form shares is drawn once and placed on each page.
    canvas.beginForm(LAYOUT)
    _layout(canvas, geometry)
    canvas.endForm()
    return canvas


def _layout(canvas: Canvas, geometry: FormGeometry) -> None:
    """Marks, ruling, printed labels and boxes (and the card's `年度：` underline)."""
    height = geometry.height
    canvas.setFillColorRGB(*INK)
    canvas.setStrokeColorRGB(*INK)
    for mark in geometry.marks:
        canvas.rect(mark.x * mm, (height - mark.y2) * mm, mark.w * mm, mark.h * mm, stroke=0,
                    fill=1)
    canvas.setLineCap(2)  # projecting caps: frame corners close
    for rule in geometry.rules:
        canvas.setLineWidth(rule.weight * mm)
        canvas.line(rule.x0 * mm, (height - rule.y0) * mm, rule.x1 * mm, (height - rule.y1) * mm)
    canvas.setLineCap(0)
    canvas.setLineWidth(0.3 * mm)
    for boxes in geometry.manner_boxes.values():
        for box in boxes:
            canvas.rect(box.x * mm, (height - box.y2) * mm, box.w * mm, box.h * mm, stroke=1,
                        fill=0)
    for text in geometry.texts:
        hei = text.bold or text.face == "hei"
        _text(canvas, height, text, _font("head") if hei else _font("body"))
    if geometry.year_blank is not None:
        blank = geometry.year_blank
        canvas.setLineWidth(0.25 * mm)
        line_y = (height - (blank.y2 - YEAR_UNDERLINE)) * mm
        canvas.line(blank.x * mm, line_y, blank.x2 * mm, line_y)


def _page(canvas: Canvas, geometry: FormGeometry, values: dict[str, str], code: str | None
          ) -> None:
    """The shared layout, the values in their blanks, and the code."""
    height = geometry.height
    canvas.doForm(LAYOUT)
    canvas.setFillColorRGB(*INK)
    for key, value in values.items():
        cell = geometry.cells[key]
        box = Rect(cell.x + 1.5, cell.y, cell.w - 3.0, cell.h)
        _text(canvas, height, Text(box, value, DATA_SIZE, "left"), _font("head"))
    if code is not None:
        _qr(canvas, height, geometry.qr, code)


def _year(canvas: Canvas, geometry: FormGeometry, year: int) -> None:
    """The year printed on the `年度：` underline."""
    blank = geometry.year_blank
    assert blank is not None
    box = Rect(blank.x, blank.y, blank.w, blank.h - YEAR_UNDERLINE - 0.5)
    _text(canvas, geometry.height, Text(box, str(year), DATA_SIZE), _font("head"))


def _text(canvas: Canvas, page_h: float, text: Text, font: str) -> None:
    """One line in its box, shrunk to fit, vertically centred on the ideographs' body."""
    size = text.size
    width = pdfmetrics.stringWidth(text.text, font, size * mm) / mm
    room = text.box.w - (0.0 if text.align == "left" else 1.0)
    if width > room:
        size *= room / width
        width = room
    if text.align == "center":
        x = text.box.cx - width / 2
    elif text.align == "right":
        x = text.box.x2 - width
    else:
        x = text.box.x
    baseline = text.box.cy + 0.36 * size  # CJK glyphs sit ~0.88 em above, 0.12 below
    obj = canvas.beginText()
    obj.setTextOrigin(x * mm, (page_h - baseline) * mm)
    obj.setFont(font, size * mm)
    if text.bold:
        obj.setTextRenderMode(2)  # fill and stroke: a faux bold that prints everywhere
        canvas.setLineWidth(size * 0.04 * mm)
    obj.textOut(text.text)
    canvas.drawText(obj)


def _qr(canvas: Canvas, page_h: float, box: Rect, text: str) -> None:
    """The code as one filled path of its dark modules (no seams between them at any dpi)."""
    code = segno.make(text, error="m", micro=False)
    matrix = code.matrix
    n = len(matrix)
    module = box.w / (n + 2 * QR_QUIET_MODULES)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            x = box.x + (QR_QUIET_MODULES + start) * module
            y = box.y + (QR_QUIET_MODULES + r) * module
            path.rect(x * mm, (page_h - y - module) * mm, (c - start) * module * mm, module * mm)
    canvas.drawPath(path, stroke=0, fill=1)

