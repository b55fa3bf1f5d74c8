"""Cell crops: ruled borders removed, writing framed, two-line cells split."""

from __future__ import annotations

import numpy as np

from ocr.crops import cut_cell, ink_box, remove_rules, split_lines, text_line
from ocr.types import Box
from tests.ocr.text_images import ruled_cell


def test_remove_rules_whitens_borders_and_keeps_writing() -> None:
    cell = ruled_cell(["张晓明"], width=300, height=70)
    clean = remove_rules(cell)
    assert clean[1, :].min() > 200 and clean[:, 1].min() > 200  # border gone
    assert (clean < 128).sum() > 0.5 * (cell[5:-5, 5:-5] < 128).sum()  # writing kept


def test_underline_of_the_year_blank_is_removed() -> None:
    cell = ruled_cell(["2026"], width=260, height=60)
    cell[:, :] = np.where(cell < 100, cell, 250)
    cell[:4, :] = cell[:, :4] = cell[:, -4:] = 250  # no box: a label line with an underline
    cell[-10:-7, :] = 20
    clean = remove_rules(cell)
    assert clean[-9, :].min() > 200


def test_blank_cell_has_no_ink_and_no_line() -> None:
    cell = ruled_cell([], width=300, height=70)
    cell[30, 100] = 0  # a speck of dust
    assert ink_box(remove_rules(cell)) is None
    assert text_line(cell) is None
    assert split_lines(cell) == []


def test_text_line_is_tight_with_a_white_margin() -> None:
    cell = ruled_cell(["李明"], width=400, height=80)
    line = text_line(cell)
    assert line is not None
    assert line.shape[1] < 200  # tightened to the writing
    assert line[0, :].min() > 200 and line[:, 0].min() > 200


def test_a_date_wrapped_onto_two_lines_is_split_in_reading_order() -> None:
    cell = ruled_cell(["2026/", "4/27"], width=180, height=110, size=32)
    lines = split_lines(cell)
    assert len(lines) == 2
    assert lines[0].shape[1] > lines[1].shape[1] * 0.9  # "2026/" is the wider first line


def test_characters_with_gaps_between_strokes_stay_one_line() -> None:
    cell = ruled_cell(["三二"], width=200, height=80, size=44)
    assert len(split_lines(cell)) == 1


def test_cut_cell_grows_the_box_but_stays_inside_the_page() -> None:
    page = np.full((100, 100), 255, np.uint8)
    crop = cut_cell(page, Box(90, 90, 20, 20))
    assert crop.shape == (12, 12)  # grown 2 px up and left, clipped at the page edge
    crop = cut_cell(page, Box(40, 40, 20, 20))
    assert crop.shape[0] > 20
