"""Ink presence (signatures, written cells) on record-table cells drawn with cv2
(`tests/ocr/mark_cells.py`)."""

from __future__ import annotations

import random

import cv2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocr.marks import cell_ink
from tests.ocr.mark_cells import (
    Look,
    writing_cell,
)

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
