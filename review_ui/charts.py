"""Small charts as inline SVG, drawn on the server: no script, no CDN, and they print.

Each function takes plain numbers and labels and returns safe SVG markup; text is escaped.
The page's font (a CJK one) is inherited by the SVG text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

MET_COLOR = "#2e8b57"
NOT_MET_COLOR = "#c0392b"
PENDING_COLOR = "#e0a030"
BAR_COLOR = "#3b6fb6"
MISSING_COLOR = "#c0392b"
EMPTY_COLOR = "#dddddd"


@dataclass(frozen=True)
class Slice:
    """One part of a whole: its label, count and colour."""

    label: str
    value: int
    color: str


def _svg(width: int, height: int, title: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def _arc(cx: float, cy: float, r: float, start: float, end: float) -> str:
    """The path of a pie wedge from angle ``start`` to ``end`` (radians, 0 at twelve o'clock)."""
    x0, y0 = cx + r * math.sin(start), cy - r * math.cos(start)
    x1, y1 = cx + r * math.sin(end), cy - r * math.cos(end)
    large = 1 if end - start > math.pi else 0
    return f"M{cx:.1f},{cy:.1f} L{x0:.1f},{y0:.1f} A{r:.1f},{r:.1f} 0 {large} 1 {x1:.1f},{y1:.1f} Z"


def donut(slices: Sequence[Slice], *, title: str, center: str = "", caption: str = "") -> Markup:
    """A ring of the slices' shares, with ``center`` (and a small ``caption``) in its hole."""
    size, r, hole = 220, 100, 58
    cx = cy = size / 2
    total = sum(max(0, s.value) for s in slices)
    parts: list[str] = []
    if total == 0:
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{EMPTY_COLOR}"/>')
    else:
        angle = 0.0
        for s in slices:
            if s.value <= 0:
                continue
            share = s.value / total
            label = escape(f"{s.label}：{s.value}（{share:.0%}）")
            if share >= 0.9999:
                shape = f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{s.color}">'
                parts.append(f"{shape}<title>{label}</title></circle>")
                break
            end = angle + 2 * math.pi * share
            path = _arc(cx, cy, r, angle, end)
            parts.append(f'<path d="{path}" fill="{s.color}"><title>{label}</title></path>')
            angle = end
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="{hole}" fill="#fff"/>')
    if center:
        parts.append(
            f'<text x="{cx}" y="{cy + 8}" text-anchor="middle" '
            f'style="font-size:24px;font-weight:bold">{escape(center)}</text>'
        )
    if caption:
        parts.append(f'<text x="{cx}" y="{cy + 28}" text-anchor="middle">{escape(caption)}</text>')
    return _svg(size, size, title, "".join(parts))


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def columns(labels: Sequence[str], values: Sequence[int], *, title: str) -> Markup:
    """Vertical bars, one per label (e.g. months), with their counts on top."""
    width, height, left, bottom, top = 520, 240, 36, 28, 18
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice_max(max(values, default=0))
    step = plot_w / max(1, len(values))
    base = top + plot_h
    parts = [f'<line x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}" stroke="#888"/>']
    for tick in (0, peak // 2, peak) if peak > 1 else (0, peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="#eee"/>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / peak
        x = left + i * step + step * 0.15
        y = top + plot_h - h
        tip = escape(f"{label}：{value}")
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{BAR_COLOR}"><title>{tip}</title></rect>'
        )
        middle = x + step * 0.35
        if value:
            parts.append(
                f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>'
            )
        parts.append(
            f'<text x="{middle:.1f}" y="{height - 8}" text-anchor="middle">{escape(label)}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def bars(rows: Sequence[tuple[str, int]], *, title: str, color: str = MISSING_COLOR) -> Markup:
    """Horizontal bars, one row per label (e.g. committees), longest scale first as given."""
    row_h, left, right, top = 24, 130, 40, 6
    width = 520
    height = top * 2 + row_h * max(1, len(rows))
    peak = _nice_max(max((v for _, v in rows), default=0))
    plot_w = width - left - right
    parts: list[str] = []
    if not rows:
        parts.append(f'<text x="{width / 2}" y="{top + 16}" text-anchor="middle">（无）</text>')
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * value / peak
        tip = escape(f"{label}：{value}")
        parts.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
            f"<title>{tip}</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + 16}">{value}</text>'
        )
    return _svg(width, height, title, "".join(parts))
