"""The printed layout of forms S and R in millimetres: one source for printing and reading back.

`forms/pdf.py` prints from it; `ocr/fiducials.py` aligns a scan of a printed form to it
through the four corner marks; the sample generator takes its page sizes and column
proportions from it. Coordinates are millimetres from the page's top-left corner, y down.
Structure and label texts follow FORMS.md via `forms/spec.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Final

from forms import spec

MM_PER_INCH: Final = 25.4
A5_LANDSCAPE_MM: Final = (210.0, 148.0)
A4_PORTRAIT_MM: Final = (210.0, 297.0)

MARK_SIDE: Final = 5.0
"""Side of a solid square corner mark (SDAPS-style fiducial)."""
MARK_INSET: Final = 6.0
"""From the page edge to a mark's outer edge: inside any printer's unprintable border."""
LINE_W: Final = 0.25
OUTER_W: Final = 0.5
QR_BOX: Final = 18.0
"""Square reserved for the card code, its quiet zone included."""

# Nominal column proportions, shared with the sample generator (which jitters them).
S_HEADER_COLUMNS: Final = (0.12, 0.21, 0.12, 0.21, 0.12, 0.22)
S_RECORD_COLUMNS: Final = (0.07, 0.16, 0.26, 0.33, 0.18)
R_MEMBER_COLUMNS: Final = (0.16, 0.34, 0.16, 0.34)
R_CONTACT_COLUMNS: Final = (0.09, 0.19, 0.27, 0.45)

# Fonts (em sizes in mm) of the printed text.
TITLE_SIZE: Final = 6.0
LABEL_SIZE: Final = 4.0
DATA_SIZE: Final = 4.5
NOTE_SIZE: Final = 3.0


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in millimetres: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def x2(self) -> float:
        return self.x + self.w

    @property
    def y2(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def px(self, dpi: float) -> tuple[int, int, int, int]:
        """The rectangle in whole pixels at ``dpi`` (x, y, w, h)."""
        s = dpi / MM_PER_INCH
        x0, y0 = round(self.x * s), round(self.y * s)
        return (x0, y0, round(self.x2 * s) - x0, round(self.y2 * s) - y0)


@dataclass(frozen=True)
class Rule:
    """One ruled line from (x0, y0) to (x1, y1) along its centre, ``weight`` mm thick."""

    x0: float
    y0: float
    x1: float
    y1: float
    weight: float

    @property
    def horizontal(self) -> bool:
        return self.y0 == self.y1


@dataclass(frozen=True)
class Text:
    """Printed text in a box: one line, vertically centred, aligned left, centre or right."""

    box: Rect
    text: str
    size: float
    align: str = "center"
    bold: bool = False
    face: str = "song"  # song (宋体-like labels) or hei (黑体-like titles, notes, data)


@dataclass(frozen=True)
class FormGeometry:
    """Everything printed on one form, and where each field's blank lies."""

    form: str
    width: float
    height: float
    marks: tuple[Rect, Rect, Rect, Rect]  # top-left, top-right, bottom-right, bottom-left
    qr: Rect
    table: Rect  # outer frame of the ruled table(s)
    rules: tuple[Rule, ...]
    texts: tuple[Text, ...]
    cells: dict[str, Rect]  # field key → inside of its blank
    manner_boxes: dict[int, tuple[Rect, Rect, Rect]] = field(default_factory=dict)
    year_blank: Rect | None = None  # where the year is printed, on its underline

    @property
    def mark_centres(self) -> tuple[tuple[float, float], ...]:
        return tuple((m.cx, m.cy) for m in self.marks)

    def page_px(self, dpi: float) -> tuple[int, int]:
        """Page size in pixels at ``dpi`` (width, height)."""
        s = dpi / MM_PER_INCH
        return (round(self.width * s), round(self.height * s))


def page_px(size_mm: tuple[float, float], dpi: float) -> tuple[int, int]:
    """A page size in millimetres as whole pixels at ``dpi``."""
    s = dpi / MM_PER_INCH
    return (round(size_mm[0] * s), round(size_mm[1] * s))


def split(total: float, fractions: tuple[float, ...]) -> list[float]:
    """Widths proportional to ``fractions`` summing to ``total``."""
    norm = sum(fractions)
    return [total * f / norm for f in fractions]


def _corner_marks(width: float, height: float) -> tuple[Rect, Rect, Rect, Rect]:
    a, s = MARK_INSET, MARK_SIDE
    return (
        Rect(a, a, s, s),
        Rect(width - a - s, a, s, s),
        Rect(width - a - s, height - a - s, s, s),
        Rect(a, height - a - s, s, s),
    )


class _Band:
    """Rows × columns of ruled cells: line centres ``xs`` and ``ys`` and their weights."""

    def __init__(self, x: float, widths: list[float], y: float, heights: list[float],
                 top_outer: bool = True, bottom_outer: bool = True) -> None:
        self.xs = [x]
        for w in widths:
            self.xs.append(self.xs[-1] + w)
        self.ys = [y]
        for h in heights:
            self.ys.append(self.ys[-1] + h)
        self.xw = [OUTER_W if i in (0, len(self.xs) - 1) else LINE_W for i in range(len(self.xs))]
        self.yw = [LINE_W] * len(self.ys)
        if top_outer:
            self.yw[0] = OUTER_W
        if bottom_outer:
            self.yw[-1] = OUTER_W

    def cell(self, col: int, row: int, span: int = 1) -> Rect:
        """Inside of a cell, between the inner edges of its lines."""
        x0 = self.xs[col] + self.xw[col] / 2
        y0 = self.ys[row] + self.yw[row] / 2
        x1 = self.xs[col + span] - self.xw[col + span] / 2
        y1 = self.ys[row + 1] - self.yw[row + 1] / 2
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def rules(self, skip_top: bool = False) -> list[Rule]:
        x0, x1, y0, y1 = self.xs[0], self.xs[-1], self.ys[0], self.ys[-1]
        out = [
            Rule(x0, y, x1, y, w)
            for i, (y, w) in enumerate(zip(self.ys, self.yw, strict=True))
            if not (skip_top and i == 0)
        ]
        out += [Rule(x, y0, x, y1, w) for x, w in zip(self.xs, self.xw, strict=True)]
        return out


def _manner_boxes(cell: Rect, size: float) -> tuple[tuple[Rect, Rect, Rect], list[Text]]:
    """`□走访 □电话 □其他` spread over a record row's manner cell (as the generator does)."""
    side = size * 0.78
    item_w = side + size * 0.2 + 2 * size
    gap = (cell.w - 3 * item_w) / 4
    boxes: list[Rect] = []
    texts: list[Text] = []
    x = cell.x + gap
    for label in spec.S_MANNER_BOXES:
        boxes.append(Rect(x, cell.cy - side / 2, side, side))
        texts.append(Text(Rect(x + side + size * 0.2, cell.y, 2 * size + 0.5, cell.h), label,
                          size, "left"))
        x += item_w + gap
    return (boxes[0], boxes[1], boxes[2]), texts


@cache
def service_card() -> FormGeometry:
    """Form S, A5 landscape: title, `年度：`, code, header table, record table, footer."""
    width, height = A5_LANDSCAPE_MM
    x0, table_w = 14.0, 182.0
    texts: list[Text] = []
    cells: dict[str, Rect] = {}
    qr = Rect(x0 + table_w - QR_BOX, 5.0, QR_BOX, QR_BOX)
    texts.append(Text(Rect(x0, 8.0, 136.0, 14.0), spec.S_TITLE, TITLE_SIZE, bold=True))
    label_w = 3 * DATA_SIZE
    year_label = Rect(150.0, 10.0, label_w, 10.0)
    year_blank = Rect(year_label.x2, 10.0, 26.0 - label_w, 10.0)
    texts.append(Text(year_label, spec.S_YEAR_LABEL, DATA_SIZE, "left"))
    cells["year"] = Rect(year_label.x - 1.0, 9.5, 28.0, 11.0)

    head = _Band(x0, split(table_w, S_HEADER_COLUMNS), 25.0, [8.5, 8.5], bottom_outer=False)
    for r, (labels, keys) in enumerate(zip(spec.S_HEADER_LABELS, spec.S_HEADER_KEYS,
                                           strict=True)):
        for c, (label, key) in enumerate(zip(labels, keys, strict=True)):
            texts.append(Text(head.cell(2 * c, r), label, LABEL_SIZE))
            cells[key] = head.cell(2 * c + 1, r)
    title = _Band(x0, [table_w], head.ys[-1], [6.5], top_outer=False, bottom_outer=False)
    texts.append(Text(title.cell(0, 0), spec.S_RECORD_TITLE, LABEL_SIZE * 1.1, bold=True))
    rec = _Band(x0, split(table_w, S_RECORD_COLUMNS), title.ys[-1],
                [6.5] + [10.0] * spec.S_RECORD_ROWS, top_outer=False)
    for c, header in enumerate(spec.S_RECORD_HEADERS):
        texts.append(Text(rec.cell(c, 0), header, LABEL_SIZE))
    manner: dict[int, tuple[Rect, Rect, Rect]] = {}
    for i in range(1, spec.S_RECORD_ROWS + 1):
        texts.append(Text(rec.cell(0, i), str(i), LABEL_SIZE))
        for c, name in enumerate(spec.S_ROW_FIELDS, start=1):
            cells[f"rows.{i}.{name}"] = rec.cell(c, i)
        manner[i], labels_i = _manner_boxes(rec.cell(2, i), 3.6)
        texts.extend(labels_i)
    texts.append(Text(Rect(x0, rec.ys[-1] + 1.0, table_w, 4.5), spec.S_FOOTER, NOTE_SIZE, "left",
                      face="hei"))
    rules = head.rules() + title.rules(skip_top=True) + rec.rules(skip_top=True)
    return FormGeometry(
        form="service_card",
        width=width,
        height=height,
        marks=_corner_marks(width, height),
        qr=qr,
        table=Rect(x0, head.ys[0], table_w, rec.ys[-1] - head.ys[0]),
        rules=tuple(rules),
        texts=tuple(texts),
        cells=cells,
        manner_boxes=manner,
        year_blank=year_blank,
    )


@cache
def registration() -> FormGeometry:
    """Form R, A4 portrait: title, code, member and contact sections in one table, notes."""
    width, height = A4_PORTRAIT_MM
    x0, table_w = 20.0, 170.0
    # The title centred on the page, clear of the code at its right.
    texts: list[Text] = [Text(Rect(x0 + 20.0, 14.0, table_w - 40.0, 12.0), spec.R_TITLE, 7.0,
                              bold=True)]
    cells: dict[str, Rect] = {}
    qr = Rect(x0 + table_w - QR_BOX, 8.0, QR_BOX, QR_BOX)
    section = _Band(x0, [table_w], 32.0, [9.0], bottom_outer=False)
    texts.append(Text(section.cell(0, 0), spec.R_SECTION_MEMBER, LABEL_SIZE * 1.1, bold=True))
    members = _Band(x0, split(table_w, R_MEMBER_COLUMNS), section.ys[-1], [12.0, 12.0],
                    top_outer=False, bottom_outer=False)
    for r, (labels, keys) in enumerate(zip(spec.R_MEMBER_LABELS, spec.R_MEMBER_KEYS,
                                           strict=True)):
        for c, (label, key) in enumerate(zip(labels, keys, strict=True)):
            texts.append(Text(members.cell(2 * c, r), label, LABEL_SIZE))
            cells[key] = members.cell(2 * c + 1, r)
    section2 = _Band(x0, [table_w], members.ys[-1], [9.0], top_outer=False, bottom_outer=False)
    texts.append(Text(section2.cell(0, 0), spec.R_SECTION_CONTACTS, LABEL_SIZE * 1.1, bold=True))
    contacts = _Band(x0, split(table_w, R_CONTACT_COLUMNS), section2.ys[-1],
                     [9.0] + [28.0] * spec.R_CONTACT_ROWS, top_outer=False)
    for c, header in enumerate(spec.R_CONTACT_HEADERS):
        texts.append(Text(contacts.cell(c, 0), header, LABEL_SIZE))
    for i in range(1, spec.R_CONTACT_ROWS + 1):
        texts.append(Text(contacts.cell(0, i), str(i), LABEL_SIZE))
        for c, name in enumerate(spec.R_CONTACT_FIELDS, start=1):
            cells[f"contacts.{i}.{name}"] = contacts.cell(c, i)
    y = contacts.ys[-1] + 3.0
    indent = 2 * 3.5
    for n, note in enumerate(spec.R_NOTES):
        x = x0 if n == 0 else x0 + indent
        texts.append(Text(Rect(x, y + n * 5.5, table_w - (x - x0), 5.0), note, 3.5, "left",
                          face="hei"))
    rules = (section.rules() + members.rules(skip_top=True) + section2.rules(skip_top=True)
             + contacts.rules(skip_top=True))
    return FormGeometry(
        form="registration",
        width=width,
        height=height,
        marks=_corner_marks(width, height),
        qr=qr,
        table=Rect(x0, section.ys[0], table_w, contacts.ys[-1] - section.ys[0]),
        rules=tuple(rules),
        texts=tuple(texts),
        cells=cells,
    )


def geometry_of(form: str) -> FormGeometry:
    """The printed layout of ``service_card`` or ``registration``."""
    if form == "service_card":
        return service_card()
    if form == "registration":
        return registration()
    raise ValueError(f"no printed layout for form {form!r}")


PRINTED_FORMS: Final = ("service_card", "registration")
