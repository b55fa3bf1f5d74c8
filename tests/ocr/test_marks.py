"""Reading the manner marks (走访/电话/其他 boxes) on record-table cells drawn with cv2
(`tests/ocr/mark_cells.py`)."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocr.marks import CHOICES, MARK_THRESHOLD, InkReading, cell_ink, read_manner
from tests.ocr.mark_cells import (
    Look,
    manner_cell,
)

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
