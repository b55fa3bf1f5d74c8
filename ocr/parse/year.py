"""Parse the `年度：____` blank of a service card into the card's year."""

from __future__ import annotations

import re

from ocr.parse.text import chinese_numerals_to_digits, fix_digit_confusions, strip_label
from ocr.parse.types import Parsed, accepted, rejected

# The crop may hold the printed label, or only its right half when the crop clips it.
YEAR_LABELS = ("年度", "度")
FIRST_YEAR, LAST_YEAR = 2000, 2099


def parse_year(raw: str) -> Parsed:
    """Read `2026`, `2026年`, `26`, `二〇二六`, label included or not; valid for 2000–2099."""
    text = strip_label(raw, YEAR_LABELS)
    if not text:
        return rejected("empty")
    text = chinese_numerals_to_digits(text.removesuffix("度").removesuffix("年"))
    text = re.sub(r"[\s_.]+", "", fix_digit_confusions(text))
    if not (text.isascii() and text.isdigit()):
        return rejected("unparsed")
    if len(text) == 2:
        text = f"{FIRST_YEAR // 100}{text}"
    if len(text) != 4:
        return rejected("year_bad_length")
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return rejected("year_out_of_range", year)
    return accepted(year)
