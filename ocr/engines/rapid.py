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
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocr.engines.base import Choices, Reading, TextKind

REC_HEIGHT = 48  # the recognizer's input height
MIN_RATIO = 320 / 48  # narrower batches are padded to this width
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
        self._session = _lean_session(_rec_model_file(), threads)
        self._input_name = self._session.get_inputs()[0].name
        # The alphabet rides in the model; CTC adds the blank first and a space last.
        alphabet = self._session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self._characters: list[str] = ["blank", *alphabet, " "]
        model = Path(_rec_model_file()).stem.replace("_rec_", " ")
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
                choices = ctc_choices(pred, allowed, self._characters) if kind == "text" else ()
                readings[i] = Reading(text, score, choices)
        return readings

    def _predict(self, crops: list[np.ndarray]) -> np.ndarray:
        """Per-timestep character probabilities for a batch of crops (N, T, C)."""
        ratio = max([MIN_RATIO] + [c.shape[1] / c.shape[0] for c in crops])
        batch = np.stack([normalize_line(c, ratio) for c in crops])
        out = self._session.run(None, {self._input_name: batch})
        return np.asarray(out[0])


def _rec_model_file() -> str:
    """The recognizer's ONNX file shipped inside the rapidocr wheel (offline, no download)."""
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    found = sorted(models.glob("*rec*.onnx"))
    if not found:
        raise RuntimeError(f"no recognition model in {models}; reinstall rapidocr")
    return str(found[0])


def _lean_session(model_path: str, threads: int) -> Any:
    """An ONNX Runtime session for crops of every width: no memory patterns (they are
    planned per input shape and pile up) and no arena, so a worker's memory stays flat."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.enable_mem_pattern = False
    options.enable_cpu_mem_arena = False
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 4
    return ort.InferenceSession(
        model_path, sess_options=options, providers=["CPUExecutionProvider"]
    )


def ctc_decode(
    pred: np.ndarray, allowed: np.ndarray, characters: Sequence[str]
) -> tuple[str, float]:
    """Greedy CTC decoding restricted to ``allowed`` classes (the blank, index 0, always is).

    Returns the text and the mean probability of its characters, as PP-OCR scores a line.
    """
    masked, steps = _greedy_path(pred, allowed)
    if not len(steps):
        return "", 0.0
    best = masked[steps].argmax(axis=1)
    text = "".join(characters[i] for i in best)
    return text.strip(), float(masked[steps, best].mean())


def _greedy_path(pred: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The probabilities restricted to ``allowed``, and the steps where greedy CTC decoding
    emits a character (its best class is no blank and not the previous step's)."""
    masked = np.where(allowed[None, :], pred, 0.0)
    best = masked.argmax(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    return masked, np.nonzero(keep)[0]


CHOICES = 5
MIN_CHOICE = 1e-4
"""Alternatives less likely than this are not worth a word's evidence."""


def ctc_choices(pred: np.ndarray, allowed: np.ndarray, characters: Sequence[str]) -> Choices:
    """For each character greedy decoding reads (as ``ctc_decode``, spaces at the ends left
    out), the ``CHOICES`` likeliest allowed characters at its step with their probabilities."""
    masked, steps = _greedy_path(pred, allowed)
    out = []
    for step in steps:
        row = masked[step].copy()
        row[0] = 0.0  # the blank is no character
        top = np.argsort(row)[::-1][:CHOICES]
        # The character read comes first, however faint; its alternatives only if likely.
        out.append(
            tuple(
                (characters[j], float(row[j]))
                for k, j in enumerate(top)
                if k == 0 or row[j] >= MIN_CHOICE
            )
        )
    while out and out[0][0][0] == " ":
        out.pop(0)
    while out and out[-1][0][0] == " ":
        out.pop()
    return tuple(out)


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


def normalize_line(crop: np.ndarray, ratio: float) -> np.ndarray:
    """A crop as the recognizer's input (3, 48, 48·ratio): resized to the model's height,
    scaled to [-1, 1], padded right with zeros (PP-OCR's own preprocessing)."""
    width = int(REC_HEIGHT * ratio)
    h, w = crop.shape[:2]
    resized_w = min(width, int(np.ceil(REC_HEIGHT * w / h)))
    line = cv2.resize(crop, (resized_w, REC_HEIGHT)).astype(np.float32)
    if line.ndim == 2:
        line = np.repeat(line[:, :, None], 3, axis=2)
    out = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
    out[:, :, :resized_w] = line.transpose(2, 0, 1) / 127.5 - 1.0
    return out
