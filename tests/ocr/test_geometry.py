"""Geometry helpers: quarter turns, box transforms and quadrilateral corners."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ocr.geometry import apply, order_quad, quad_corners, transform_box, turn_matrix
from ocr.types import Box

sizes = st.integers(min_value=10, max_value=4000)


@given(k=st.integers(0, 3), w=sizes, h=sizes)
def test_turn_matches_numpy_rot90(k: int, w: int, h: int) -> None:
    # np.rot90 turns counter-clockwise; a clockwise turn by k equals rot90 by -k.
    img = np.zeros((h, w), np.uint8)
    img[0, 0] = 1  # mark the top-left pixel
    turned = np.rot90(img, -k)
    y, x = (int(v) for v in np.argwhere(turned == 1)[0])
    # The pixel centre (0.5, 0.5) maps to the centre of the marked pixel.
    mapped = apply(turn_matrix(k, w, h), np.array([[0.5, 0.5]]))[0]
    assert (round(mapped[0] - 0.5), round(mapped[1] - 0.5)) == (x, y)


@given(k=st.integers(0, 3), w=sizes, h=sizes)
def test_four_turns_are_identity(k: int, w: int, h: int) -> None:
    m = np.eye(3)
    size = (w, h)
    for _ in range(4):
        m = turn_matrix(1, *size) @ m
        size = (size[1], size[0])
    assert np.allclose(m, np.eye(3))
    del k


@given(x=st.integers(0, 500), y=st.integers(0, 500), w=st.integers(1, 300), h=st.integers(1, 300))
def test_transform_box_by_turn_keeps_size(x: int, y: int, w: int, h: int) -> None:
    box = Box(x, y, w, h)
    turned = transform_box(turn_matrix(1, 1000, 1000), box)
    assert (turned.w, turned.h) == (h, w)
    back = transform_box(turn_matrix(3, 1000, 1000), turned)
    assert back == box


@given(angle=st.floats(-8, 8), k=st.integers(0, 3))
def test_quad_corners_of_rotated_rectangle(angle: float, k: int) -> None:
    rect = ((500.0, 400.0), (600.0, 300.0), angle + 90 * k)
    corners = cv2.boxPoints(rect)
    # Bumps on the sides (handwriting crossing a border) do not move the corners.
    mid = (corners[0] + corners[1]) / 2
    bump = mid + (mid - np.array([500.0, 400.0])) * 0.03
    found = quad_corners(np.vstack([corners, bump]))
    assert np.allclose(order_quad(corners), found, atol=1e-3)
