"""Engines by configuration name, built once per process on first use."""

from __future__ import annotations

from collections.abc import Callable

from ocr.engines.base import OcrEngine


def _rapidocr() -> OcrEngine:
    from ocr.engines.rapid import RapidOcrEngine

    return RapidOcrEngine()


def _tesseract() -> OcrEngine:
    from ocr.engines.tesseract import TesseractEngine

    return TesseractEngine()


FACTORIES: dict[str, Callable[[], OcrEngine]] = {
    "rapidocr": _rapidocr,
    "tesseract": _tesseract,
}
ENGINE_NAMES = tuple(FACTORIES)
_built: dict[str, OcrEngine] = {}


def get_engine(name: str) -> OcrEngine:
    """The process-wide engine called ``name`` (models load on the first call)."""
    if name not in FACTORIES:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    if name not in _built:
        _built[name] = FACTORIES[name]()
    return _built[name]
