"""Printed forms: every field key has a cell, and each cell is exactly the inside of its lines."""

from __future__ import annotations

import random

import numpy as np
import pytest

from forms import spec
from samples.layout import (
    FlatForm,
    draw_registration,
    draw_service_card,
    random_print_style,
)


def _card(seed: int) -> FlatForm:
    rng = random.Random(seed)
    code = "SC1|2026|JJ0123|4" if seed % 2 else None
    return draw_service_card(rng, random_print_style(rng), year=2026, year_printed=seed % 3 == 0,
                             card_code=code)


def _registration(seed: int) -> FlatForm:
    rng = random.Random(seed)
    return draw_registration(rng, random_print_style(rng), card_code=None)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_service_card_has_every_field_cell(seed: int) -> None:
    form = _card(seed)
    assert set(form.cells) == set(spec.field_keys("service_card"))
    assert form.size == (2480, 1748)
    assert sorted(form.manner_boxes) == list(range(1, spec.S_RECORD_ROWS + 1))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_registration_has_every_field_cell(seed: int) -> None:
    form = _registration(seed)
    assert set(form.cells) == set(spec.field_keys("registration"))
    assert form.size == (2480, 3508)


def _assert_ruled_interior(img: np.ndarray, box: tuple[int, int, int, int]) -> None:
    x, y, w, h = box
    # Inside, next to each border, the paper is blank (labels sit elsewhere) ...
    assert img[y, x + w // 3 : x + 2 * w // 3].min() > 200
    assert img[y + h - 1, x + w // 3 : x + 2 * w // 3].min() > 200
    assert img[y + h // 3 : y + 2 * h // 3, x].min() > 200
    assert img[y + h // 3 : y + 2 * h // 3, x + w - 1].min() > 200
    # ... and one pixel out, there is the ruled line all along.
    assert img[y - 1, x + w // 4 : x + 3 * w // 4].max() < 100
    assert img[y + h, x + w // 4 : x + 3 * w // 4].max() < 100
    assert img[y + h // 4 : y + 3 * h // 4, x - 1].max() < 100
    assert img[y + h // 4 : y + 3 * h // 4, x + w].max() < 100


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_cells_are_inside_their_ruled_lines(seed: int) -> None:
    for form in (_card(seed), _registration(seed)):
        for key, box in form.cells.items():
            if key == "year" or key.endswith(".manner"):
                continue
            _assert_ruled_interior(form.image, box)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_manner_boxes_sit_inside_their_cell_and_year_blank_is_right_of_label(seed: int) -> None:
    form = _card(seed)
    for i, boxes in form.manner_boxes.items():
        cx, cy, cw, ch = form.cells[f"rows.{i}.manner"]
        xs = [b[0] for b in boxes]
        assert xs == sorted(xs)
        for bx, by, bw, bh in boxes:
            assert cx <= bx and bx + bw <= cx + cw and cy <= by and by + bh <= cy + ch
            assert form.image[by + bh // 2, bx] < 120  # the printed square's left side
    x, y, w, h = form.cells["year"]
    assert x > form.size[0] // 2
    assert form.image[y + h + 1 : y + h + 8, x + w // 2].min() < 120  # the underline
