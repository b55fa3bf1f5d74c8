"""PP-OCR recognition through ``rapidocr`` 3.x: the ONNX models ship inside the wheel.

Only the recognizer runs, on crops that the grid gives us: the detector would
enlarge a small crop to a 736 px side (seconds per field, doubled digits).
The CTC output is decoded here rather than by rapidocr, so that each field
kind reads from its own alphabet: a phone cell can only hold digits, a date
cell digits, separators and 年月日, and no cell holds a traditional character
(the model knows both scripts; the cards are written in simplified Chinese).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.metadata import version as package_version
from typing import Any

import cv2
import numpy as np

from ocr.engines.base import Reading, TextKind

BATCH = 6
"""Crops per model call; crops are sorted by width so a batch pads little."""
CN_DIGITS = "〇零一二三四五六七八九十廿卅"
ALPHABETS: dict[str, str] = {
    "digits": "0123456789- ",
    "date": "0123456789.-/ 年月日号" + CN_DIGITS,
    "year": "0123456789 年度:：" + CN_DIGITS,
}


class RapidOcrEngine:
    """PP-OCR text recognition (the models inside the ``rapidocr`` wheel), one thread."""

    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        from rapidocr import RapidOCR

        engine = RapidOCR(
            params={
                "Global.use_det": False,
                "Global.use_cls": False,
                "Global.log_level": "warning",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        self._rec: Any = engine._load_rec_model()
        self._characters: list[str] = list(self._rec.postprocess_op.character)
        rec = engine.cfg.Rec
        parts = (rec.get("ocr_version"), rec.get("model_type"))
        model = " ".join(str(getattr(p, "value", p)) for p in parts if p)
        self.version = f"rapidocr {package_version('rapidocr')} ({model})"

    def recognize(self, crops: Sequence[np.ndarray], kind: TextKind = "text") -> list[Reading]:
        readings = [Reading("", 0.0)] * len(crops)
        usable = [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) >= 4]
        usable.sort(key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        allowed = _allowed(tuple(self._characters), kind)
        for start in range(0, len(usable), BATCH):
            group = usable[start : start + BATCH]
            preds = self._predict([crops[i] for i in group])
            for i, pred in zip(group, preds, strict=True):
                text, score = ctc_decode(pred, allowed, self._characters)
                readings[i] = Reading(text, score)
        return readings

    def _predict(self, crops: list[np.ndarray]) -> np.ndarray:
        """Per-timestep character probabilities for a batch of crops (N, T, C)."""
        _, height, width = self._rec.rec_image_shape[:3]
        ratio = max([width / height] + [c.shape[1] / c.shape[0] for c in crops])
        batch = np.stack([self._rec.resize_norm_img(_as_bgr(c), ratio) for c in crops])
        return np.asarray(self._rec.session(batch.astype(np.float32)))


def ctc_decode(
    pred: np.ndarray, allowed: np.ndarray, characters: Sequence[str]
) -> tuple[str, float]:
    """Greedy CTC decoding restricted to ``allowed`` classes (the blank, index 0, always is).

    Returns the text and the mean probability of its characters, as PP-OCR scores a line.
    """
    masked = np.where(allowed[None, :], pred, 0.0)
    best = masked.argmax(axis=1)
    prob = masked.max(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    if not keep.any():
        return "", 0.0
    text = "".join(characters[i] for i in best[keep])
    return text.strip(), float(prob[keep].mean())


@cache
def _allowed(characters: tuple[str, ...], kind: str) -> np.ndarray:
    """Which model classes a field of ``kind`` may produce."""
    mask = np.zeros(len(characters), dtype=bool)
    mask[0] = True  # CTC blank
    if kind in ALPHABETS:
        alphabet = set(ALPHABETS[kind])
        mask[1:] = [c in alphabet for c in characters[1:]]
        return mask
    import zhconv

    for i, c in enumerate(characters[1:], start=1):
        simplified = len(c) == 1 and zhconv.convert(c, "zh-cn") == c
        if kind == "name":
            mask[i] = simplified and ("\u4e00" <= c <= "\u9fff" or c == "·")
        else:
            mask[i] = simplified or c == " "
    return mask


def _as_bgr(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 2:
        return cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    return crop
