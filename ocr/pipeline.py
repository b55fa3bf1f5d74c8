"""Page analysis pipeline (placeholder until the stages land)."""

from __future__ import annotations

import numpy as np

from ocr.types import AnalysisOptions, PageAnalysis

IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def analyze_page(gray: np.ndarray, options: AnalysisOptions | None = None) -> PageAnalysis:
    """Straighten, classify and cut one grayscale page into its field cells."""
    del options
    return PageAnalysis(form="unknown", rotation=0, transform=IDENTITY, image=gray, fields={})
