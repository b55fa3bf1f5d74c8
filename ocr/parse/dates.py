"""Parse a handwritten date cell of a service card into an ISO date.

People write `2014.5.3`, `2014-05-03`, `2014/5/3`, `2014年5月3日`, `5月3日`, `5.3`,
`14.5.3` and `二〇一四年五月三日` (FORMS.md); the card's year fills in what they leave out.
"""

from __future__ import annotations

import datetime as dt
import re

from ocr.parse.text import chinese_numerals_to_digits, fix_digit_confusions, normalize_text
from ocr.parse.types import Parsed, accepted, rejected

# Everything people (or the OCR) put between year, month and day.
_SEPARATOR_CHARS = ".,，、。·・•-—–~/年月"
_SEPARATOR_RUN = re.compile(r"[.\s]*[" + re.escape(_SEPARATOR_CHARS) + r"][.\s]*")
_DAY_MARK = re.compile("[日号]$")


SLASH_SIMILARITY = 0.9
"""A date found only by reading a `1` as a handwritten `/` is a guess: worth less."""


def parse_date(raw: str, *, year: int | None) -> Parsed:
    """Read a date; `year` is the card's year, used for month-day dates and two-digit years.

    A real date in another year keeps its value but is not valid ("date_outside_year").
    A handwritten `/` often reads as `1` (`2026/4/27` → `2026141 27`): when the read is
    no date of the card's year, the readings with one or two `1`s taken as `/` are
    tried, and a single date of the year among them is taken, marked as a guess.
    """
    first = _parse_date(raw, year=year)
    if first.valid or year is None:
        return first
    for readings in _slash_readings(normalize_text(raw)):
        found = {r.value for t in readings if (r := _parse_date(t, year=year)).valid}
        if len(found) == 1:
            return Parsed(
                value=found.pop(), valid=True, similarity=SLASH_SIMILARITY, note="slash_read_as_1"
            )
        if found:
            break  # two dates fit as well as each other: a person decides
    return first


def _slash_readings(text: str) -> list[list[str]]:
    """`text` with one, then two of its `1`s (not in a leading 4-digit year) read as `/`."""
    squeezed = text.replace(" ", "")
    if len(_SEPARATOR_RUN.findall(squeezed)) >= 2:
        return []  # year, month and day are already apart: a `1` there is a digit
    start = 4 if squeezed[:4].isdigit() else 0
    ones = [i for i, c in enumerate(squeezed) if c == "1" and i >= start]
    if not ones or len(ones) > 6:
        return []
    single = [squeezed[:a] + "/" + squeezed[a + 1 :] for a in ones]
    double = [
        squeezed[:a] + "/" + squeezed[a + 1 : b] + "/" + squeezed[b + 1 :]
        for i, a in enumerate(ones)
        for b in ones[i + 1 :]
    ]
    return [single, double]


def _parse_date(raw: str, *, year: int | None) -> Parsed:
    text = normalize_text(raw)
    if not text:
        return rejected("empty")
    parts = _date_parts(text)
    if parts is None:
        return rejected("unparsed")
    y_text, month, day = parts
    if not _real_month_day(month, day):
        return rejected("invalid_date")
    if y_text is None:
        if year is None:
            return rejected("no_year")
        full_year = year
    elif len(y_text) == 4:
        full_year = int(y_text)
    elif len(y_text) == 2:
        century = (year // 100) * 100 if year is not None else 2000
        full_year = century + int(y_text)
    else:
        return rejected("invalid_date")
    try:
        value = dt.date(full_year, month, day).isoformat()
    except (ValueError, OverflowError):  # 29 February of a common year; year out of range
        return rejected("invalid_date")
    if year is not None and full_year != year:
        return rejected("date_outside_year", value)
    return accepted(value)


def _date_parts(text: str) -> tuple[str | None, int, int] | None:
    """Split a cleaned read into (year digits or None, month, day), or None if it is no date."""
    text = chinese_numerals_to_digits(text)
    text = fix_digit_confusions(text, anchors=_SEPARATOR_CHARS + "日号")
    has_year_mark = "年" in text
    text = _DAY_MARK.sub("", text.strip(" " + _SEPARATOR_CHARS.replace("年", "")))
    if _SEPARATOR_RUN.search(text):
        # With real separators, leftover spaces are stray ones inside a number.
        text = re.sub(r"\s+", "", _SEPARATOR_RUN.sub(".", text))
    else:
        text = re.sub(r"\s+", ".", text)
    groups = text.strip(".").split(".")
    if not all(g.isascii() and g.isdigit() for g in groups):
        return None
    if len(groups) == 1 and len(groups[0]) == 8:  # 20140503
        groups = [groups[0][:4], groups[0][4:6], groups[0][6:]]
    if not 2 <= len(groups) <= 3 or any(len(g) > 2 for g in groups[-2:]):
        return None
    if len(groups) == 3:
        return groups[0], int(groups[1]), int(groups[2])
    if len(groups) == 2 and not has_year_mark:
        return None, int(groups[0]), int(groups[1])
    return None


def _real_month_day(month: int, day: int) -> bool:
    """Whether month/day exists in some year (29 February included)."""
    try:
        dt.date(2000, month, day)
    except ValueError:
        return False
    return True
