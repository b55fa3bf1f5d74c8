"""The engine contract (after OCRmyPDF's ``OcrEngine`` plugin seam).

An engine recognizes single text lines: each crop is one table cell with the
ruled borders already trimmed off. Engines import their heavy libraries in
their own module, so choosing one never loads the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

TextKind = Literal["text", "name", "digits", "date", "year"]
"""What a cell holds, so an engine can narrow its alphabet to what the cell can contain."""


Choices = tuple[tuple[tuple[str, float], ...], ...]
"""Per character of a reading, the engine's likeliest characters with their probabilities,
best first (the first is the character read)."""


@dataclass(frozen=True)
class Reading:
    """What an engine read from one crop: the text and its own score in [0, 1]; for free
    text, the engine's alternatives for each character when it gives them."""

    text: str
    confidence: float
    choices: Choices = ()


class OcrEngine(Protocol):
    """Recognition only: no detection, no orientation (those come from the page)."""

    name: str
    version: str

    def recognize(self, crops: Sequence[np.ndarray], kind: TextKind = "text") -> list[Reading]:
        """One reading per grayscale uint8 crop, in order; an empty crop reads as ``""``."""
        ...
