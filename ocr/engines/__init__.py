"""OCR engines behind one small contract: a cell crop in, text and a confidence out."""

from ocr.engines.base import OcrEngine, Reading, TextKind
from ocr.engines.registry import ENGINE_NAMES, get_engine

__all__ = ["ENGINE_NAMES", "OcrEngine", "Reading", "TextKind", "get_engine"]
