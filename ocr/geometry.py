"""Homographies, quadrilaterals and box transforms (pure functions)."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.types import Box

Matrix = np.ndarray  # 3x3 float64


def scale_matrix(sx: float, sy: float | None = None) -> Matrix:
    return np.diag([sx, sx if sy is None else sy, 1.0])


def translate_matrix(tx: float, ty: float) -> Matrix:
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def turn_matrix(quarter_turns: int, width: float, height: float) -> Matrix:
    """Map points of a ``width``×``height`` image turned clockwise by 90°·k."""
    k = quarter_turns % 4
    if k == 0:
        return np.eye(3)
    if k == 1:  # (x, y) -> (H - y, x)
        return np.array([[0.0, -1.0, height], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    if k == 2:  # (x, y) -> (W - x, H - y)
        return np.array([[-1.0, 0.0, width], [0.0, -1.0, height], [0.0, 0.0, 1.0]])
    return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, width], [0.0, 0.0, 1.0]])


def apply(matrix: Matrix, points: np.ndarray) -> np.ndarray:
    """Apply a homography to an (N, 2) array of points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    homog = np.hstack([pts, np.ones((len(pts), 1))]) @ matrix.T
    return homog[:, :2] / homog[:, 2:3]


def transform_box(matrix: Matrix, box: Box) -> Box:
    """The axis-aligned bounding box of ``box`` mapped through ``matrix``."""
    corners = np.array(
        [[box.x, box.y], [box.x2, box.y], [box.x2, box.y2], [box.x, box.y2]], dtype=np.float64
    )
    mapped = apply(matrix, corners)
    x0, y0 = mapped.min(axis=0)
    x1, y1 = mapped.max(axis=0)
    return Box(round(x0), round(y0), round(x1 - x0), round(y1 - y0))


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    s = pts.sum(axis=1)
    d = pts[:, 0] - pts[:, 1]
    return np.array([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]])


def quad_corners(hull: np.ndarray) -> np.ndarray:
    """Four corners of a roughly rectangular point set, robust to bumps on its sides.

    The points are expressed in the frame of their minimum-area rectangle; each
    corner is the point reaching furthest along one diagonal direction of that
    frame, so skew of any angle and perspective are both handled.
    """
    pts = np.asarray(hull, dtype=np.float32).reshape(-1, 2)
    (cx, cy), _, angle = cv2.minAreaRect(pts)
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    local = (pts - [cx, cy]) @ rot.T
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        corners.append(pts[int(np.argmax(local[:, 0] * sx + local[:, 1] * sy))])
    return order_quad(np.array(corners))


def quad_size(quad: np.ndarray) -> tuple[float, float]:
    """Mean width and height of an ordered quadrilateral (TL, TR, BR, BL)."""
    q = np.asarray(quad, dtype=np.float64)
    width = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    return float(width), float(height)


def as_tuple(matrix: Matrix) -> tuple[tuple[float, float, float], ...]:
    m = np.asarray(matrix, dtype=np.float64) / float(matrix[2, 2])
    return tuple((float(r[0]), float(r[1]), float(r[2])) for r in m)
