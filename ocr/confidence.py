"""One confidence per field from the engine's score and the field's rule checks.

The engine's own score says how clean the strokes looked; the rules say
whether what it read can be true (a date in the card's year, a phone that
validates, a name on the roster, a clear winner among the candidates). A
field goes to a reviewer when its confidence is under the threshold of its
kind; the thresholds are calibrated on generated cards by
``benchmarks/calibrate.py`` and shipped in ``ocr/calibration.json``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ocr.parse import Parsed

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
DEFAULT_THRESHOLD = 0.9
INVALID_FACTOR = 0.2
"""A read that breaks its rule keeps a fifth of the engine's score: always reviewed."""
CLEAR_MARGIN = 0.5
"""A snap this far ahead of the runner-up is not discounted at all."""


def snap_factor(parsed: Parsed) -> float:
    """How much a snap to a closed set is worth: its similarity, discounted for a close second."""
    return parsed.similarity * min(1.0, 0.5 + parsed.margin / (2 * CLEAR_MARGIN))


def field_confidence(kind: str, *, ocr: float, parsed: Parsed | None) -> float:
    """Confidence in [0, 1] of a read field of ``kind`` (marks and ink come scored already)."""
    if parsed is None:
        return _clip(ocr)
    if not parsed.valid:
        return _clip(ocr * INVALID_FACTOR)
    if kind in ("name", "sector", "committee"):
        return _clip(ocr * snap_factor(parsed))
    return _clip(ocr * parsed.similarity)


@cache
def thresholds(path: Path = CALIBRATION_FILE) -> dict[str, float]:
    """Review thresholds per field kind, from the calibration file when there is one."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in data.get("thresholds", {}).items()}


def needs_review(kind: str, confidence: float, *, table: dict[str, float] | None = None) -> bool:
    """Whether a field of ``kind`` with ``confidence`` goes to a person."""
    limits = thresholds() if table is None else table
    return confidence < limits.get(kind, DEFAULT_THRESHOLD)


@cache
def doubt_tables(path: Path = CALIBRATION_FILE) -> dict[str, list[tuple[float, float]]]:
    """Per field kind, the share of wrong reads among those sent to a person, by confidence:
    ``[(upper_confidence, share_wrong), ...]`` ascending, measured by the calibration."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        str(kind): [(float(upper), float(share)) for upper, share in rows]
        for kind, rows in data.get("doubt", {}).items()
    }


def doubt(
    kind: str, confidence: float, *, tables: dict[str, list[tuple[float, float]]] | None = None
) -> float:
    """How likely a field sent to a person is wrong, comparable across kinds (a reviewer's
    order): the calibrated share for its kind and confidence, else ``1 - confidence``."""
    rows = (doubt_tables() if tables is None else tables).get(kind)
    if not rows:
        return 1.0 - _clip(confidence)
    for upper, share in rows:
        if confidence < upper:
            return share
    return rows[-1][1]


def _clip(value: float) -> float:
    return max(0.0, min(1.0, float(value)))
