"""Small frozen value types shared by the page-analysis stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def x2(self) -> int:
        return self.x + self.w

    @property
    def y2(self) -> int:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def area(self) -> int:
        return self.w * self.h

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of the page-analysis pipeline (validated by the caller's settings)."""

    output_dpi: int = 200
    keep_debug_images: bool = False


@dataclass(frozen=True)
class PageAnalysis:
    """What page analysis learns about one scanned page.

    ``transform`` maps raw-scan pixel coordinates to the straightened page image
    (3x3 homography, row-major). ``fields`` maps FORMS.md field keys
    (``member_name``, ``rows.3.date``, ``contacts.2.phone``…) to the cell's box
    in the straightened page. ``notes`` carries reason codes for the reviewer
    and the clerk (for example ``no_grid``).
    """

    form: str
    rotation: int
    transform: tuple[tuple[float, float, float], ...]
    image: np.ndarray
    fields: dict[str, Box]
    notes: tuple[str, ...] = ()
    debug: dict[str, np.ndarray] = field(default_factory=dict)
