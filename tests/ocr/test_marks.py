"""Mark reading and ink presence on record-table cells drawn with cv2.

The cells are drawn here rather than taken from ``samples/``: other print runs and
other hands (box sizes and spacing, outline weight, sloppy ticks, pencil, grey
paper, ruled borders at the edges, skew) are what the readers must survive.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocr.marks import CHOICES, MARK_THRESHOLD, InkReading, cell_ink, read_manner

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


# --- read_manner -----------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [150, 200, 300])
def test_an_empty_cell_is_a_confident_no_mark(dpi: int) -> None:
    reading = read_manner(manner_cell(Look(dpi=dpi), random.Random(dpi)))
    assert reading.choice is None
    assert reading.note == "no_mark"
    assert reading.confidence > 0.9
    assert max(reading.scores) < MARK_THRESHOLD / 2


@pytest.mark.parametrize("dpi", [150, 200, 300])
@pytest.mark.parametrize("mark", ["check", "cross", "fill", "outside"])
@pytest.mark.parametrize("box", [0, 1, 2])
def test_one_mark_reads_as_its_box(dpi: int, mark: str, box: int) -> None:
    marks = tuple(mark if i == box else None for i in range(3))
    reading = read_manner(manner_cell(Look(dpi=dpi), random.Random(dpi + box), marks))
    assert reading.choice == CHOICES[box]
    assert reading.note is None
    assert reading.confidence > 0.8
    assert int(np.argmax(reading.scores)) == box


@pytest.mark.parametrize(
    "look",
    [
        Look(paper=205, noise=7.0),  # grey scanner background, grainy
        Look(border=False),  # crop cut inside the ruled lines
        Look(outline=3.0, box_frac=0.3),  # bold outline
        Look(box_em=0.6, box_frac=0.22, outline=1.0),  # a small □ glyph beside big labels
        Look(width_mm=41.0, dpi=300),  # narrow column, tight spacing
        Look(width_mm=56.0, row_mm=10.0, dpi=150),
        Look(tilt=0.8),
        Look(tilt=-0.8, dpi=300),
    ],
)
def test_print_runs_and_scanners_do_not_matter(look: Look) -> None:
    rng = random.Random(7)
    assert read_manner(manner_cell(look, rng, (None, "check", None))).choice == "phone"
    assert read_manner(manner_cell(look, rng, ("cross", None, None))).choice == "visit"
    empty = read_manner(manner_cell(look, rng))
    assert (empty.choice, empty.note) == (None, "no_mark")


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_light_pencil_tick_counts(dpi: int) -> None:
    reading = read_manner(manner_cell(Look(dpi=dpi), random.Random(3), (None, None, "pencil")))
    assert reading.choice == "other"


def test_printed_labels_are_not_marks() -> None:
    """The labels carry far more ink than a tick; none of it may score."""
    for seed in range(5):
        reading = read_manner(manner_cell(Look(box_em=0.65), random.Random(seed)))
        assert max(reading.scores) < MARK_THRESHOLD / 2


@pytest.mark.parametrize("pair", [(0, 1), (0, 2), (1, 2)])
def test_two_marks_go_to_review(pair: tuple[int, int]) -> None:
    marks = tuple("check" if i in pair else None for i in range(3))
    reading = read_manner(manner_cell(Look(), random.Random(sum(pair)), marks))
    assert reading.choice is None
    assert reading.note == "two_marks"
    assert reading.confidence < 0.5


def test_writing_of_the_neighbouring_rows_is_not_a_mark() -> None:
    rng = random.Random(11)
    empty = read_manner(manner_cell(Look(), rng, intrude=True))
    assert (empty.choice, empty.note) == (None, "no_mark")
    marked = read_manner(manner_cell(Look(), rng, ("check", None, None), intrude=True))
    assert marked.choice == "visit"


def test_without_square_boxes_the_label_groups_stand_in_with_less_confidence() -> None:
    look, rng = Look(dashed=True, glyph_squares=0.0), random.Random(5)
    marked = read_manner(manner_cell(look, rng, ("check", None, None)))
    assert (marked.choice, marked.note) == ("visit", "boxes_not_found")
    assert marked.confidence <= 0.5
    empty = read_manner(manner_cell(look, rng))
    assert (empty.choice, empty.note) == (None, "no_mark")
    assert empty.confidence <= 0.5


@pytest.mark.parametrize("shape", [(80, 380), (0, 0), (0, 50)])
def test_a_crop_without_print_is_no_reading(shape: tuple[int, int]) -> None:
    reading = read_manner(np.full(shape, 240, np.uint8))
    assert (reading.choice, reading.note) == (None, "boxes_not_found")
    assert reading.confidence == 0.0
    assert cell_ink(np.zeros((0, 0), np.uint8)) == InkReading(False, 0.0, 0.0)


def test_reading_a_cell_is_fast() -> None:
    cell = manner_cell(Look(), random.Random(1), ("check", None, None))
    start = time.perf_counter()
    for _ in range(20):
        read_manner(cell)
    assert (time.perf_counter() - start) / 20 < 0.015  # ~2 ms here; generous for CI


@settings(max_examples=25, deadline=None)
@given(
    dpi=st.sampled_from([150, 200, 300]),
    row_mm=st.floats(8.0, 10.0),
    width_mm=st.floats(46.0, 56.0),
    box_frac=st.floats(0.22, 0.3),
    outline=st.sampled_from([1.0, 1.5, 2.0]),
    mark=st.sampled_from(["check", "cross", "fill", "outside"]),
    box=st.integers(0, 2),
    seed=st.integers(0, 2**16),
)
def test_the_marked_box_is_read_whatever_the_layout(
    dpi: int,
    row_mm: float,
    width_mm: float,
    box_frac: float,
    outline: float,
    mark: str,
    box: int,
    seed: int,
) -> None:
    look = Look(dpi=dpi, row_mm=row_mm, width_mm=width_mm, box_frac=box_frac, outline=outline)
    marks = tuple(mark if i == box else None for i in range(3))
    reading = read_manner(manner_cell(look, random.Random(seed), marks))
    assert reading.choice == CHOICES[box]


@settings(max_examples=15, deadline=None)
@given(gain=st.floats(0.6, 1.0), offset=st.integers(-40, 0), box=st.integers(0, 2))
def test_paper_tone_and_contrast_do_not_change_the_reading(
    gain: float, offset: int, box: int
) -> None:
    marks = tuple("check" if i == box else None for i in range(3))
    cell = manner_cell(Look(), random.Random(box), marks).astype(np.float32)
    toned = np.clip(cell * gain + offset, 0, 255).astype(np.uint8)
    assert read_manner(toned).choice == CHOICES[box]


@settings(max_examples=30, deadline=None)
@given(
    h=st.integers(1, 130),
    w=st.integers(1, 420),
    level=st.integers(0, 255),
    seed=st.integers(0, 2**16),
)
def test_any_crop_gives_a_reading_in_range(h: int, w: int, level: int, seed: int) -> None:
    noise = np.random.default_rng(seed).normal(level, 30, (h, w))
    crop = np.clip(noise, 0, 255).astype(np.uint8)
    mark, ink = read_manner(crop), cell_ink(crop)
    assert 0.0 <= mark.confidence <= 1.0 and 0.0 <= ink.confidence <= 1.0
    assert all(s >= 0.0 for s in mark.scores) and ink.ink >= 0.0
    if mark.choice is None:
        assert mark.note in ("no_mark", "two_marks", "boxes_not_found")
    else:
        assert mark.note is None or (mark.note == "boxes_not_found" and mark.confidence <= 0.5)


# --- cell_ink --------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [150, 200, 300])
def test_an_empty_cell_with_its_rules_has_no_ink(dpi: int) -> None:
    reading = cell_ink(writing_cell(Look(dpi=dpi, width_mm=30), random.Random(dpi), strokes=0))
    assert not reading.has_ink
    assert reading.confidence > 0.9


@pytest.mark.parametrize("dpi", [150, 200, 300])
def test_a_signature_is_ink(dpi: int) -> None:
    reading = cell_ink(writing_cell(Look(dpi=dpi, width_mm=30), random.Random(dpi)))
    assert reading.has_ink
    assert reading.confidence > 0.9


def test_tails_of_the_neighbouring_rows_are_not_ink() -> None:
    rng = random.Random(2)
    assert not cell_ink(writing_cell(Look(width_mm=30), rng, strokes=0, intrude=True)).has_ink
    assert not cell_ink(writing_cell(Look(width_mm=30), rng, strokes=0, flourish=True)).has_ink


def test_small_writing_against_the_bottom_rule_is_ink() -> None:
    cell = writing_cell(Look(width_mm=40), random.Random(2), strokes=0, small_at_bottom=True)
    assert cell_ink(cell).has_ink


def test_ink_on_grey_paper_and_without_rules() -> None:
    rng = random.Random(4)
    for look in (Look(paper=205, noise=7.0, width_mm=30), Look(border=False, width_mm=30)):
        assert not cell_ink(writing_cell(look, rng, strokes=0)).has_ink
        assert cell_ink(writing_cell(look, rng, strokes=2)).has_ink


def test_a_single_short_stroke_is_ink_but_dust_is_not() -> None:
    look = Look(width_mm=30)
    rng = random.Random(9)
    assert cell_ink(writing_cell(look, rng, strokes=1)).has_ink
    dusty = writing_cell(look, rng, strokes=0)
    dusty[30:32, 100:102] = 60
    assert not cell_ink(dusty).has_ink


@settings(max_examples=20, deadline=None)
@given(strokes=st.integers(1, 8), dpi=st.sampled_from([150, 200, 300]), seed=st.integers(0, 999))
def test_more_writing_never_reads_as_less_ink(strokes: int, dpi: int, seed: int) -> None:
    look = Look(dpi=dpi, width_mm=30)
    fewer = cell_ink(writing_cell(look, random.Random(seed), strokes=strokes))
    more = writing_cell(look, random.Random(seed), strokes=strokes)
    cv2.line(
        more,
        (more.shape[1] // 3, more.shape[0] // 2),
        (more.shape[1] // 2, more.shape[0] // 2 + 5),
        30,
        3,
    )
    assert fewer.has_ink
    assert cell_ink(more).ink >= fewer.ink
