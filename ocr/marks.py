"""Optical mark reading and ink presence over grayscale cell crops (pure functions).

Both readers scale the crop to a working height (lengths below are shares of the row),
turn grey into ink darkness against the paper and cut inside the ruled lines found near
the edges. ``read_manner`` then finds the printed squares of ``□走访 □电话 □其他`` and
weighs the handwriting in and around each against the other two, printed alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations
from typing import NamedTuple

import cv2
import numpy as np

WORK_H = 80
"""Working height of a cell in pixels (a record row at 200 dpi is about this tall)."""
INK_LEVEL = 0.3
"""Darkness at which a pixel counts as ink for shapes (boxes, rules, strokes)."""
INK_THRESHOLD = 0.004
"""Handwriting darkness, as a share of the inner cell, above which a cell holds writing."""
EDGE_INK = 3 * INK_THRESHOLD
"""Ink in pieces along an edge beyond which they are small writing, not a neighbour's tails."""
MARK_THRESHOLD = 0.025
"""Mark ink of a box, per box area, above which it holds a mark (an empty box has ~0)."""
BOX_QUALITY = 0.75
"""Least box likeness of the found squares to trust them as the printed boxes."""
CHOICES = ("visit", "phone", "other")


@dataclass(frozen=True)
class InkReading:
    """Whether a cell holds handwriting, how sure that is, and the measured ink."""

    has_ink: bool
    confidence: float
    ink: float


@dataclass(frozen=True)
class MarkReading:
    """Which manner box holds the mark (None when none or several), and the evidence."""

    choice: str | None
    confidence: float
    scores: tuple[float, float, float]
    note: str | None = None


class _Square(NamedTuple):
    """A square in the working image: top-left corner, side, and how box-like it is."""

    x: int
    y: int
    side: int
    score: float


def _darkness(cell: np.ndarray) -> np.ndarray:
    """Cell scaled to ``WORK_H`` rows as ink darkness in [0, 1] against its own paper (so
    a grey scan or a tinted card reads as paper, light pencil still as ink)."""
    gray = cell if cell.ndim == 2 else cv2.cvtColor(cell, cv2.COLOR_BGR2GRAY)
    f = WORK_H / max(gray.shape[0], 1)
    size = (max(1, round(gray.shape[1] * f)), WORK_H)
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    paper = _median_level(small)
    noise = 1.4826 * _median_level(cv2.absdiff(small, np.full_like(small, round(paper))))
    floor, span = max(8.0, 2.0 * noise), max(30.0, 0.2 * paper)
    return np.clip((paper - floor - small.astype(np.float32)) / span, 0.0, 1.0)


def _median_level(gray: np.ndarray) -> float:
    """Median grey level of a uint8 image (a histogram is faster than sorting)."""
    counts = np.cumsum(np.bincount(gray.ravel(), minlength=256))
    return float(np.searchsorted(counts, counts[-1] / 2))


def _rule_cover(mask: np.ndarray, run: int) -> np.ndarray:
    """Per row, the share of it covered by long straight runs (a pixel or two of skew kept)."""
    lines = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    return (cv2.dilate(lines, np.ones((5, 1), np.uint8)) > 0).mean(axis=1)


def _span(cover: np.ndarray, band: int, edge: int) -> tuple[int, int]:
    """The interior along one axis: inside the innermost rule within ``band`` of each end
    (within ``edge`` of it, a skewed rule the crop cuts through may show only in part)."""
    idx = np.arange(len(cover))
    dist = np.minimum(idx, len(cover) - 1 - idx)
    rule = ((cover > 0.6) & (dist < band)) | ((cover > 0.25) & (dist < edge))
    first, last = idx[rule & (idx < len(cover) / 2)], idx[rule & (idx >= len(cover) / 2)]
    return (int(first.max()) + 1 if first.size else 0, int(last.min()) if last.size else len(cover))


def _inner(cell: np.ndarray) -> np.ndarray:
    """Darkness inside the rules found near the crop's edges, and a little more (their
    frayed edge); the whole crop when no interior is found."""
    if cell.size == 0:
        return np.zeros((0, 0), np.float32)
    dark = _darkness(cell)
    h, w = dark.shape
    mask = (dark > INK_LEVEL).astype(np.uint8)
    band, edge = int(0.3 * h), max(2, int(0.1 * h))
    y0, y1 = _span(_rule_cover(mask, max(8, w // 5)), band, edge)
    x0, x1 = _span(_rule_cover(mask.T.copy(), max(8, int(0.55 * h))), band, edge)
    if y1 - y0 < h // 3 or x1 - x0 < h // 3:
        return dark
    m = round(0.03 * h)
    return dark[y0 + m : y1 - m, x0 + m : x1 - m]


def _sureness(value: float, threshold: float, factor: float = 3.0) -> float:
    """0 at the threshold, 1 once ``value`` is ``factor`` times above or below it."""
    return float(min(1.0, abs(np.log((value + 1e-4) / threshold)) / np.log(factor)))


def _writing(dark: np.ndarray) -> float:
    """Ink of the strokes that belong to the cell, dust left out.

    A neighbouring row's writing pokes over the ruled line in shallow pieces along
    the edge, or runs along it in a long stroke; this cell's writing reaches in, or,
    written small against the line, makes a whole row of well-inked pieces.
    """
    h, w = dark.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (dark > INK_LEVEL).astype(np.uint8), connectivity=8
    )
    x, y, bw, bh, area = stats.T
    big = area >= max(4, int(0.0015 * WORK_H * WORK_H))
    inward = np.minimum.reduce([y + bh, h - y, x + bw, w - x])
    core, shallow = big & (inward > 0.16 * h), big & (inward <= 0.16 * h)
    core[0] = shallow[0] = False  # the paper
    ink = np.bincount(labels.ravel(), weights=dark.ravel(), minlength=count) / dark.size
    edge = float(ink[shallow].sum())
    return float(ink[core].sum()) + (edge if edge > EDGE_INK and shallow.sum() >= 3 else 0.0)


def cell_ink(cell: np.ndarray) -> InkReading:
    """Whether a table cell holds handwriting: a signature, or any writing of a record row."""
    inner = _inner(cell)
    if inner.size == 0:
        return InkReading(False, 0.0, 0.0)
    ink = _writing(inner)
    return InkReading(ink > INK_THRESHOLD, _sureness(ink, INK_THRESHOLD), ink)


def _running_sums(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ink summed along rows and along columns, each line widened by a pixel either side
    (a printed edge may wander by a pixel), and the plain integral image (for areas)."""
    h, w = mask.shape
    hc = np.zeros((h, w + 1), np.float32)
    hc[:, 1:] = np.cumsum(cv2.dilate(mask, np.ones((3, 1), np.uint8)), axis=1)
    vc = np.zeros((h + 1, w), np.float32)
    vc[1:] = np.cumsum(cv2.dilate(mask, np.ones((1, 3), np.uint8)), axis=0)
    return hc, vc, cv2.integral(mask)


def _edge_cover(hc: np.ndarray, vc: np.ndarray, side: int) -> np.ndarray:
    """Per top-left corner, the least-inked edge of a hollow square of ``side`` (0…1)."""
    n, m = vc.shape[0] - side, vc.shape[1] - side + 1
    run_h = (hc[:, side:] - hc[:, :-side]) / side  # row y, columns x…x+side
    run_v = (vc[side:] - vc[:-side]) / side  # column x, rows y…y+side
    return np.minimum.reduce(
        [run_h[:n], run_h[side - 1 : side - 1 + n], run_v[:, :m], run_v[:, side - 1 : side - 1 + m]]
    )


def _peaks(cover: np.ndarray, side: int, count: int = 6) -> list[_Square]:
    """Up to ``count`` best squares of ``side``, left edges at least a side apart."""
    best_y, profile = cover.argmax(axis=0), cover.max(axis=0)
    found: list[_Square] = []
    while len(found) < count:
        x = int(profile.argmax())
        if profile[x] <= 0.5:
            break
        found.append(_Square(x, int(best_y[x]), side, float(profile[x])))
        profile[max(0, x - side) : x + side + 1] = 0
    return found


def _density(ii: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> float:
    """Share of inked pixels in a rectangle, clipped to the image (0 when empty)."""
    y0, x0, y1, x1 = max(0, y0), max(0, x0), min(ii.shape[0] - 1, y1), min(ii.shape[1] - 1, x1)
    if y1 <= y0 or x1 <= x0:
        return 0.0
    return float(ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0]) / ((y1 - y0) * (x1 - x0))


def _box_likeness(ii: np.ndarray, q: _Square) -> float:
    """How much a square looks like a printed box rather than part of a character: paper
    above and below it and before it, its label right after it."""
    d, s = max(3, q.side // 5), q.side
    above = _density(ii, q.y - d, q.y - d + 1, q.x, q.x + s)
    below = _density(ii, q.y + s - 1 + d, q.y + s + d, q.x, q.x + s)
    before = _density(ii, q.y, q.y + s, q.x - s // 2, q.x - d + 1)
    label = _density(ii, q.y, q.y + s, q.x + s + d, q.x + 3 * s)
    return min(1.0, label / 0.06) - 0.5 * (above + below) - min(0.5, 2 * before)


def _triple(sums: tuple[np.ndarray, ...], side: int) -> tuple[list[_Square], float]:
    """The three squares of ``side`` most like the boxes, and how much (0…1): box-like,
    in line and evenly spaced (the three labels are as long)."""
    hc, vc, ii = sums
    found = sorted(
        (
            q._replace(score=q.score * _box_likeness(ii, q))
            for q in _peaks(_edge_cover(hc, vc, side), side)
        ),
        key=lambda q: q.x,
    )
    best: tuple[list[_Square], float] = ([], 0.0)
    for a, b, c in combinations(found, 3):
        pitch = (b.x - a.x, c.x - b.x)
        if (a.score + b.score + c.score) / 3 <= best[1] or min(pitch) < 2 * side:
            continue
        mid = sorted((a.y, b.y, c.y))[1]
        score = sum(q.score * (1.0 if abs(q.y - mid) <= 0.2 * side else 0.5) for q in (a, b, c))
        score *= (1.0 - max(0.0, abs(pitch[0] - pitch[1]) / max(pitch) - 0.15)) / 3
        if score > best[1]:
            best = ([a, b, c], score)
    return best


def _text_height(mask: np.ndarray) -> int:
    """Height of the printed line (boxes and labels): the longest run of well-inked rows."""
    counts = mask.sum(axis=1)
    rows = np.flatnonzero(counts > 0.08 * counts.max()) if counts.any() else np.zeros(1, int)
    return max(len(run) for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1))


def _find_boxes(mask: np.ndarray) -> tuple[list[_Square], float]:
    """The three printed boxes, left to right, and how box-like they are (0…1); sides near
    the label height are tried two pixels apart (edges match within one), then refined."""
    text, sums = _text_height(mask), _running_sums(mask)
    h, w = mask.shape
    sides = range(max(6, int(0.4 * text)), min(int(1.3 * text), int(0.7 * h), w // 3) + 1)
    tried = {side: _triple(sums, side) for side in sides[::2]}
    if not tried:
        return [], 0.0
    top = max(tried, key=lambda side: (tried[side][1], side))
    tried |= {s: _triple(sums, s) for s in (top - 1, top + 1) if s in sides and s not in tried}
    return max(tried.values(), key=lambda t: (t[1], t[0][0].side if t[0] else 0))


def _label_groups(mask: np.ndarray) -> list[_Square]:
    """Fallback when no boxes are found: the cell split at the two widest gaps between
    inked columns, with a square as tall as the text at the start of each group."""
    cols, counts = np.flatnonzero(mask.any(axis=0)), mask.sum(axis=1)
    rows = np.flatnonzero(counts > 0.2 * counts.max()) if counts.any() else cols[:0]
    if len(cols) < 3 or len(rows) < 3:
        return []
    cuts = np.sort(np.argsort(np.diff(cols))[-2:])
    side = max(3, int(0.8 * (rows[-1] - rows[0] + 1)))
    starts = (cols[0], cols[cuts[0] + 1], cols[cuts[1] + 1])
    return [_Square(int(x), int(rows[0] + 0.1 * side), side, 0.0) for x in starts]


def _text_band(mask: np.ndarray, boxes: list[_Square]) -> tuple[int, int]:
    """Rows of the printed labels, counted from each box's top (labels lean with their
    boxes on a skewed page): rows inked right of at least two of the three boxes."""
    s = boxes[0].side
    rows = np.zeros(3 * s, np.int32)  # from a side above the box's top to two below
    for q, end in zip(boxes, [q.x for q in boxes[1:]] + [mask.shape[1]], strict=True):
        x0, x1 = q.x + s + 2, min(end - 1, q.x + int(3.5 * s))
        y0, y1 = max(0, q.y - s), min(mask.shape[0], q.y + 2 * s)
        if x1 > x0 and y1 > y0:
            rows[y0 - q.y + s : y1 - q.y + s] += mask[y0:y1, x0:x1].any(axis=1)
    text = np.flatnonzero(rows >= 2) - s
    if len(text) == 0:
        return -(s // 5), s + s // 5
    return int(min(text[0], 0)), int(max(text[-1] + 1, s))


def _patch(dark: np.ndarray, q: _Square, band: tuple[int, int]) -> np.ndarray:
    """Darkness around a box (``dark`` padded): a side above it and half a side before it,
    where ticks overshoot, and two sides on; the printed labels beside it blanked."""
    s = q.side
    out = dark[q.y - s : q.y + int(2.3 * s), q.x - s // 2 : q.x + 2 * s].copy()
    rows = slice(max(0, s + band[0] - 1), max(0, s + band[1] + 1))
    out[rows, : max(0, s // 2 - 2)] = 0.0
    out[rows, s // 2 + s + 2 :] = 0.0
    return out


def _printed(patch: np.ndarray, side: int) -> np.ndarray:
    """What a patch says is printed: its ink spread by a pixel for alignment, and by two
    on the outline, whose weight varies from box to box in a fax or a faint print."""
    near = np.zeros(patch.shape, np.uint8)
    r = max(2, side // 6)
    cv2.rectangle(near, (side // 2, side), (side // 2 + side - 1, 2 * side - 1), 1, 2 * r + 1)
    wide = cv2.dilate(patch, np.ones((5, 5), np.uint8))
    return np.where(near > 0, wide, cv2.dilate(patch, np.ones((3, 3), np.uint8)))


def _box_ink(dark: np.ndarray, boxes: list[_Square], band: tuple[int, int]) -> np.ndarray:
    """Handwritten ink in and around each box, per box area: the ink beyond what the
    lighter of the other two boxes shows, whatever the box's glyph or outline."""
    pad = 3 * boxes[0].side
    dark = cv2.copyMakeBorder(dark, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    patches = [_patch(dark, q._replace(x=q.x + pad, y=q.y + pad), band) for q in boxes]
    printed = [_printed(patch, boxes[0].side) for patch in patches]
    residue = [
        np.maximum(patch - np.minimum.reduce(printed[:i] + printed[i + 1 :]), 0.0).sum()
        for i, patch in enumerate(patches)
    ]
    return np.array(residue) / boxes[0].side ** 2


def _decide(scores: np.ndarray, threshold: float, trust: float) -> MarkReading:
    """One clear mark → its choice; none → ``no_mark``; more → ``two_marks`` (for review)."""
    order = np.argsort(scores)[::-1]
    top, second = float(scores[order[0]]), float(scores[order[1]])
    triple = (float(scores[0]), float(scores[1]), float(scores[2]))
    # A faint second mark beside a bold one is a stray stroke, not a second choice.
    floor = max(threshold, 0.2 * top)
    marked = [i for i in order if scores[i] > floor]
    if not marked:
        return MarkReading(None, trust * _sureness(top, threshold), triple, "no_mark")
    if len(marked) > 1:
        return MarkReading(None, 0.3 * trust * _sureness(second, floor), triple, "two_marks")
    sure = min(_sureness(top, threshold), _sureness(second, floor))
    return MarkReading(CHOICES[int(order[0])], trust * sure, triple)


def read_manner(cell: np.ndarray) -> MarkReading:
    """Which of the three printed boxes (走访 / 电话 / 其他, left to right) holds the mark.

    Without three box-like squares the label groups stand in, at half the confidence
    (a ``no_mark`` or ``two_marks`` note, what the caller acts on, wins over
    ``boxes_not_found``).
    """
    dark = _inner(cell)
    mask = (dark > INK_LEVEL).astype(np.uint8)
    boxes, quality = _find_boxes(mask) if min(mask.shape) >= 12 else ([], 0.0)
    threshold, trust, note = MARK_THRESHOLD, min(1.0, quality), None
    if quality < BOX_QUALITY:
        boxes = _label_groups(mask)
        threshold, trust, note = 1.5 * MARK_THRESHOLD, 0.5, "boxes_not_found"
        if not boxes:
            return MarkReading(None, 0.0, (0.0, 0.0, 0.0), note)
    reading = _decide(_box_ink(dark, boxes, _text_band(mask, boxes)), threshold, trust)
    return reading if reading.note or not note else replace(reading, note=note)
