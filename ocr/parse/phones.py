"""Parse a handwritten phone cell into the record's form: `13912345678` or `0523-84812345`.

Mobiles have 11 digits starting 1[3-9]; Jingjiang landlines are area code 0523 plus
8 digits and are often written without the area code (FORMS.md).
"""

from __future__ import annotations

import re

from ocr.parse.text import normalize_text
from ocr.parse.types import Parsed, accepted, rejected

JINGJIANG_AREA_CODE = "0523"

# OCR reads of a handwritten 0 or 1; in a phone cell every letter stands for a digit.
_CONFUSION_MAP = {"O": "0", "o": "0", "○": "0", "〇": "0", "D": "0",
                  "l": "1", "I": "1", "|": "1", "丨": "1", "i": "1"}  # fmt: skip
_CONFUSIONS = str.maketrans(_CONFUSION_MAP)
_CONFUSION_CHARS = "".join(_CONFUSION_MAP)
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Chinese local numbers never start with 0 or 1; 010 and 02x have 3-digit area codes.
_LOCAL = re.compile(r"[2-9]\d{7}")
_SHORT_AREA = re.compile(r"0(?:10|2\d)")


def parse_phone(raw: str) -> Parsed:
    """Read a mobile or landline number in any written style; a local 8-digit number gets 0523."""
    text = normalize_text(raw)
    if not text:
        return rejected("empty")
    digits = _digits(text)
    if not digits:
        return rejected("no_digits")
    result = _classify(digits)
    trimmed = text.strip(_CONFUSION_CHARS + " ")
    if result.valid or trimmed == text:
        return result
    # A border read as `|` or `l` glued to the number adds a digit; retry without it.
    retry = _classify(_digits(trimmed))
    return retry if retry.valid else result


def _digits(text: str) -> str:
    """The ASCII digits of a read, letters that stand for digits included."""
    return "".join(c for c in text.translate(_CONFUSIONS) if c.isascii() and c.isdigit())


def _classify(digits: str) -> Parsed:
    """Normalize a bare digit string by its length and prefix."""
    if len(digits) == 13 and digits.startswith("86"):  # +86 country code
        digits = digits[2:]
    if len(digits) == 12 and digits.startswith("01"):  # a 0 dialled before a mobile
        digits = digits[1:]
    if len(digits) == 11 and digits.startswith("1"):
        if _MOBILE.fullmatch(digits):
            return accepted(digits)
        return rejected("mobile_bad_prefix", digits)
    if len(digits) == 8:
        if _LOCAL.fullmatch(digits):
            return accepted(f"{JINGJIANG_AREA_CODE}-{digits}")
        return rejected("landline_bad_prefix")
    if digits.startswith(JINGJIANG_AREA_CODE):
        local = digits[len(JINGJIANG_AREA_CODE) :]
        if _LOCAL.fullmatch(local):
            return accepted(f"{JINGJIANG_AREA_CODE}-{local}")
        return rejected("phone_bad_length" if len(local) != 8 else "landline_bad_prefix")
    if digits.startswith("0") and len(digits) in (10, 11, 12):
        # Another city's landline: well formed, but not a Jingjiang number.
        area = 3 if _SHORT_AREA.match(digits) else 4
        local = digits[area:]
        if 7 <= len(local) <= 8 and local[0] not in "01":
            return rejected("landline_not_jingjiang", f"{digits[:area]}-{local}")
    return rejected("phone_bad_length")
