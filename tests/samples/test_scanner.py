"""Capture geometry: a mark drawn on the flat sheet lands where `form_to_image` says."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samples.scanner import Capture, apply_matrix, flatbed_scan, phone_photo, quarter_turn

MARKS = np.array([[300.0, 250.0], [2100.0, 400.0], [1200.0, 1500.0], [400.0, 1400.0]])


def _marked_sheet() -> np.ndarray:
    """A white A5-landscape sheet with four black squares (13 px) centred on MARKS."""
    sheet = np.full((1748, 2480, 3), 250, np.uint8)
    for x, y in MARKS.astype(int):
        sheet[y - 6 : y + 7, x - 6 : x + 7] = 0
    return sheet


def _dark_centroid(img: np.ndarray, near: np.ndarray, radius: int = 40) -> np.ndarray:
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    x, y = np.round(near).astype(int)
    win = 255.0 - gray[y - radius : y + radius + 1, x - radius : x + radius + 1].astype(np.float64)
    win = np.where(win > win.max() * 0.5, win, 0.0)
    ys, xs = np.mgrid[0 : win.shape[0], 0 : win.shape[1]]
    return np.array([(xs * win).sum() / win.sum() + x - radius,
                     (ys * win).sum() / win.sum() + y - radius])


def _assert_marks_land(capture: Capture, tolerance: float) -> None:
    expected = apply_matrix(capture.matrix, MARKS)
    for point in expected:
        found = _dark_centroid(capture.image, point)
        assert np.hypot(*(found - point)) < tolerance, (found, point)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
@pytest.mark.parametrize(("dpi", "crop"), [(200, True), (300, False)])
def test_flatbed_matrix_is_exact(k: int, dpi: int, crop: bool) -> None:
    capture = flatbed_scan(_marked_sheet(), random.Random(k + dpi), dpi=dpi, gray=k % 2 == 0,
                           k=k, crop_to_sheet=crop, skew=2.5)
    assert capture.rotation == 90 * k
    _assert_marks_land(capture, 1.0)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_phone_matrix_is_exact(k: int) -> None:
    capture = phone_photo(_marked_sheet(), random.Random(40 + k), k=k)
    assert capture.rotation == 90 * k
    assert 1600 <= max(capture.image.shape[:2]) <= 3000
    _assert_marks_land(capture, 1.5)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 7), st.integers(2, 9), st.integers(2, 9))
def test_quarter_turn_matches_numpy(k: int, w: int, h: int) -> None:
    img = np.arange(w * h).reshape(h, w)
    turned = np.rot90(img, k)
    matrix, size = quarter_turn(k, w, h)
    assert size == (turned.shape[1], turned.shape[0])
    for y in range(h):
        for x in range(w):
            tx, ty = np.round(apply_matrix(matrix, np.array([[x, y]], float))[0]).astype(int)
            assert turned[ty, tx] == img[y, x]


def test_capture_is_deterministic_for_a_seed() -> None:
    a = phone_photo(_marked_sheet(), random.Random(7), k=1)
    b = phone_photo(_marked_sheet(), random.Random(7), k=1)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.matrix, b.matrix)
