"""Pure parsers of one cell's OCR read: normalized value plus the facts for a confidence model.

No I/O, images or database here; the recognizer passes strings in and gets `Parsed` back.
"""

from __future__ import annotations

from ocr.parse.codes import CardCode, format_card_code, parse_card_code
from ocr.parse.dates import parse_date
from ocr.parse.names import NAME_THRESHOLD, name_similarity, plausible_name, snap_name
from ocr.parse.phones import parse_phone
from ocr.parse.text import clause_commas, normalize_text, strip_label
from ocr.parse.types import Parsed
from ocr.parse.vocab import VOCABULARY_THRESHOLD, snap_vocabulary
from ocr.parse.year import parse_year

__all__ = [
    "NAME_THRESHOLD",
    "VOCABULARY_THRESHOLD",
    "CardCode",
    "Parsed",
    "clause_commas",
    "format_card_code",
    "name_similarity",
    "normalize_text",
    "parse_card_code",
    "parse_date",
    "parse_phone",
    "parse_year",
    "plausible_name",
    "snap_name",
    "snap_vocabulary",
    "strip_label",
]
