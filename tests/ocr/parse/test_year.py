"""The `年度：____` blank: the card's year, label included or not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.parse.year import parse_year

_CN = "〇一二三四五六七八九"

STYLES: dict[str, Callable[[int], str]] = {
    "digits": str,
    "with_nian": lambda y: f"{y}年",
    "two_digits": lambda y: f"{y % 100:02d}",
    "chinese": lambda y: "".join(_CN[int(c)] for c in str(y)),
    "chinese_nian": lambda y: "".join(_CN[int(c)] for c in str(y)) + "年",
    "label_full_width_colon": lambda y: f"年度：{y}",
    "label_colon": lambda y: f"年度:{y}",
    "label_spaced_underline": lambda y: f"年 度 ： ____{y}____",
    "clipped_label": lambda y: f"度：{y}",
    "tesseract": lambda y: " ".join(f"年度：{y}年"),
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026", 2026),
        ("2026年", 2026),
        ("26", 2026),
        ("二〇二六", 2026),
        ("二零二六年", 2026),
        ("二O二六", 2026),
        ("年度：2026", 2026),
        ("年度:2026年", 2026),
        ("年度2026", 2026),
        ("2026年度", 2026),
        ("年度：20 26", 2026),  # stray space
        ("2O26", 2026),
        ("２０２６", 2026),
        ("年度：| 2026 |", 2026),
    ],
)
def test_parses_written_years(raw: str, expected: int) -> None:
    parsed = parse_year(raw)
    assert (parsed.value, parsed.valid, parsed.note) == (expected, True, None)


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        ("1999", 1999, "year_out_of_range"),
        ("2100", 2100, "year_out_of_range"),
        ("20260", None, "year_bad_length"),
        ("202", None, "year_bad_length"),
        ("", None, "empty"),
        ("年度：", None, "empty"),
        ("年度：____", None, "empty"),
        ("年度：明年", None, "unparsed"),
    ],
)
def test_rejects_unusable_years(raw: str, value: int | None, note: str) -> None:
    parsed = parse_year(raw)
    assert (parsed.value, parsed.valid, parsed.note) == (value, False, note)


@given(st.integers(2000, 2099), st.sampled_from(sorted(STYLES)))
def test_round_trip_every_style(year: int, style: str) -> None:
    parsed = parse_year(STYLES[style](year))
    assert (parsed.value, parsed.valid) == (year, True)


@given(st.text())
def test_never_raises_on_arbitrary_text(raw: str) -> None:
    parsed = parse_year(raw)
    if parsed.valid:
        assert isinstance(parsed.value, int)
        assert 2000 <= parsed.value <= 2099
    else:
        assert parsed.note
