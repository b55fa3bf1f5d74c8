"""Tesseract ``chi_sim`` in-process through tesserocr, one line per crop (psm 7).

OpenMP threads hurt on small machines, so the thread limit is set to one
before the library loads; digit fields get a whitelist.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ocr.engines.base import Reading, TextKind

TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)
WHITELISTS: dict[str, str] = {
    "digits": "0123456789- ",
    "date": "0123456789-./年月日号〇零一二三四五六七八九十",
    "year": "0123456789年度:：〇零一二三四五六七八九",
}


def find_tessdata(language: str = "chi_sim") -> str:
    """The tessdata folder holding ``language``: ``TESSDATA_PREFIX`` first, then Debian's."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for folder in candidates:
        if folder and (Path(folder) / f"{language}.traineddata").is_file():
            return folder
    raise RuntimeError(
        f"tesseract language data '{language}' not found; install tesseract-ocr-chi-sim "
        "(scripts/setup.sh does) or set TESSDATA_PREFIX"
    )


class TesseractEngine:
    """Tesseract 5 LSTM recognition of single lines, in-process."""

    name = "tesseract"

    def __init__(self, language: str = "chi_sim") -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr

        self._tesserocr = tesserocr
        self._api: Any = tesserocr.PyTessBaseAPI(
            path=find_tessdata(language), lang=language, psm=tesserocr.PSM.SINGLE_LINE
        )
        self._kind: str | None = None
        self.version = f"tesseract {tesserocr.tesseract_version().split()[1]} ({language})"

    def recognize(self, crops: Sequence[np.ndarray], kind: TextKind = "text") -> list[Reading]:
        from PIL import Image

        self._set_kind(kind)
        readings = []
        for crop in crops:
            if crop.size == 0 or min(crop.shape[:2]) < 4:
                readings.append(Reading("", 0.0))
                continue
            self._api.SetImage(Image.fromarray(crop))
            text = self._api.GetUTF8Text().strip()
            confidence = max(0.0, min(1.0, self._api.MeanTextConf() / 100.0)) if text else 0.0
            readings.append(Reading(text, confidence))
        return readings

    def _set_kind(self, kind: str) -> None:
        if kind == self._kind:
            return
        self._api.SetVariable("tessedit_char_whitelist", WHITELISTS.get(kind, ""))
        self._kind = kind
