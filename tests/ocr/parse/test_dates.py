"""Dates as people write them on a service card, with the OCR's usual confusions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.parse.dates import parse_date

_CN = "〇一二三四五六七八九"


def _cn_digits(n: int) -> str:
    """A year the way it is written in Chinese: digit by digit, 二〇一四."""
    return "".join(_CN[int(c)] for c in str(n))


def _cn_number(n: int) -> str:
    """A month or day in Chinese numerals: 三, 十, 十二, 二十, 二十三."""
    tens, units = divmod(n, 10)
    high = "" if tens == 0 else "十" if tens == 1 else _CN[tens] + "十"
    return high + ("" if units == 0 else _CN[units])


# Every style in FORMS.md, "How people write the blanks", and a few more seen in practice.
STYLES: dict[str, Callable[[dt.date], str]] = {
    "dots": lambda d: f"{d.year}.{d.month}.{d.day}",
    "iso": lambda d: d.isoformat(),
    "slashes": lambda d: f"{d.year}/{d.month}/{d.day}",
    "chinese_units": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "chinese_units_hao": lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}号",
    "month_day_units": lambda d: f"{d.month}月{d.day}日",
    "month_day_dots": lambda d: f"{d.month}.{d.day}",
    "short_year": lambda d: f"{d.year % 100:02d}.{d.month}.{d.day}",
    "chinese_numerals": lambda d: (
        f"{_cn_digits(d.year)}年{_cn_number(d.month)}月{_cn_number(d.day)}日"
    ),
    "chinese_numerals_month_day": lambda d: f"{_cn_number(d.month)}月{_cn_number(d.day)}日",
    "tesseract_spaces": lambda d: " ".join(f"{d.year}年{d.month}月{d.day}日"),
    "full_width": lambda d: f"{d.year}．{d.month}．{d.day}".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    ),
    "trailing_separator": lambda d: f"{d.year}.{d.month}.{d.day}.",
}

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@pytest.mark.parametrize(
    ("raw", "year", "expected"),
    [
        ("2014.5.3", 2014, "2014-05-03"),
        ("2014-05-03", 2014, "2014-05-03"),
        ("2014/5/3", 2014, "2014-05-03"),
        ("2014年5月3日", 2014, "2014-05-03"),
        ("5月3日", 2014, "2014-05-03"),
        ("5.3", 2014, "2014-05-03"),
        ("14.5.3", 2014, "2014-05-03"),
        ("14.5.3", None, "2014-05-03"),  # no card year: the 2000s
        ("二〇一四年五月三日", 2014, "2014-05-03"),
        ("二零一四年五月三日", 2014, "2014-05-03"),
        ("二○一四年十月三十一日", 2014, "2014-10-31"),
        ("二O一四年十二月二十三日", 2014, "2014-12-23"),
        ("五月三日", 2014, "2014-05-03"),
        ("2014年5月3号", 2014, "2014-05-03"),
        ("5月3", 2014, "2014-05-03"),
        ("20140503", 2014, "2014-05-03"),
        # OCR confusions of digits and separators
        ("2O14.5.3", 2014, "2014-05-03"),
        ("2o14.5.3", 2014, "2014-05-03"),
        ("2014.l.3", 2014, "2014-01-03"),
        ("2014.I2.3", 2014, "2014-12-03"),
        ("2014.5.|3", 2014, "2014-05-13"),
        ("l月3日", 2014, "2014-01-03"),
        ("2014，5，3", 2014, "2014-05-03"),
        ("2014、5、3", 2014, "2014-05-03"),
        ("2014。5。3", 2014, "2014-05-03"),
        ("2014·5·3", 2014, "2014-05-03"),
        ("2014．5．3", 2014, "2014-05-03"),
        ("2014—5—3", 2014, "2014-05-03"),
        ("2014 . 5 . 3", 2014, "2014-05-03"),
        ("20 14.5.3", 2014, "2014-05-03"),  # a stray space inside the year
        ("2014 5 3", 2014, "2014-05-03"),  # spaces as the only separators
        ("2014.5.3.", 2014, "2014-05-03"),
        ("5月3日。", 2014, "2014-05-03"),
        ("| 2014.5.3 |", 2014, "2014-05-03"),
        ("2016.2.29", 2016, "2016-02-29"),
    ],
)
def test_parses_written_dates(raw: str, year: int | None, expected: str) -> None:
    parsed = parse_date(raw, year=year)
    assert (parsed.value, parsed.valid, parsed.note) == (expected, True, None)
    assert parsed.similarity == 1.0


@pytest.mark.parametrize(
    ("raw", "year", "note"),
    [
        ("2014.2.30", 2014, "invalid_date"),
        ("2014.13.1", 2014, "invalid_date"),
        ("2014.0.5", 2014, "invalid_date"),
        ("2014.5.32", 2014, "invalid_date"),
        ("2月29日", 2014, "invalid_date"),  # 2014 is a common year
        ("201.5.3", 2014, "invalid_date"),
        ("5.3", None, "no_year"),
        ("5月3日", None, "no_year"),
        ("", 2014, "empty"),
        ("   ", 2014, "empty"),
        ("| |", 2014, "empty"),
        ("走访", 2014, "unparsed"),
        ("2014年5月", 2014, "unparsed"),
        ("2014.5.3.7", 2014, "unparsed"),
        ("2014.100.3", 2014, "unparsed"),
    ],
)
def test_rejects_impossible_or_unreadable_dates(raw: str, year: int | None, note: str) -> None:
    parsed = parse_date(raw, year=year)
    assert (parsed.value, parsed.valid, parsed.note) == (None, False, note)


def test_date_of_another_year_keeps_its_value() -> None:
    parsed = parse_date("2015.5.3", year=2014)
    assert (parsed.value, parsed.valid, parsed.note) == ("2015-05-03", False, "date_outside_year")


def test_two_digit_year_takes_the_card_century() -> None:
    assert parse_date("99.5.3", year=2099).value == "2099-05-03"
    assert parse_date("14.5.3", year=1914).value == "1914-05-03"


@given(dates, st.sampled_from(sorted(STYLES)))
def test_round_trip_every_written_style(day: dt.date, style: str) -> None:
    parsed = parse_date(STYLES[style](day), year=day.year)
    assert (parsed.value, parsed.valid) == (day.isoformat(), True)


@given(dates, st.sampled_from(["dots", "iso", "slashes", "chinese_units", "chinese_numerals"]))
def test_full_dates_need_no_card_year(day: dt.date, style: str) -> None:
    parsed = parse_date(STYLES[style](day), year=None)
    assert (parsed.value, parsed.valid) == (day.isoformat(), True)


@given(dates, st.integers(2000, 2099))
def test_other_year_is_flagged(day: dt.date, card_year: int) -> None:
    parsed = parse_date(STYLES["dots"](day), year=card_year)
    assert parsed.value == day.isoformat()
    assert parsed.valid == (day.year == card_year)
    assert parsed.note == (None if day.year == card_year else "date_outside_year")


@given(st.text(), st.none() | st.integers())
def test_never_raises_on_arbitrary_text(raw: str, year: int | None) -> None:
    parsed = parse_date(raw, year=year)
    if parsed.valid:
        assert isinstance(parsed.value, str)
        assert dt.date.fromisoformat(parsed.value).isoformat() == parsed.value
        assert year is None or parsed.value.startswith(f"{year:04d}-")
    else:
        assert parsed.note
    assert 0.0 <= parsed.similarity <= 1.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("202614127", "2026-04-27"),  # 2026/4/27, both slashes read as 1
        ("202616/24", "2026-06-24"),
        ("2026110/13", "2026-10-13"),
        ("2026/7129", "2026-07-29"),
        ("202618/11", "2026-08-11"),  # one slash is enough: the 11 stays a day
    ],
)
def test_handwritten_slash_read_as_one_is_recovered_as_a_guess(raw: str, expected: str) -> None:
    parsed = parse_date(raw, year=2026)
    assert (parsed.value, parsed.valid, parsed.note) == (expected, True, "slash_read_as_1")
    assert parsed.similarity < 1.0


@pytest.mark.parametrize("raw", ["2026111", "2014.13.1", "2026.0.22"])
def test_slash_guess_never_invents_a_date_from_an_ambiguous_read(raw: str) -> None:
    assert not parse_date(raw, year=2026).valid
