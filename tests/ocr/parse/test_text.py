"""Cleanup of OCR reads: half-width forms, spaces beside Chinese, border bits, labels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.parse.text import (
    chinese_numerals_to_digits,
    clause_commas,
    fix_digit_confusions,
    normalize_text,
    strip_label,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张 三", "张三"),  # tesseract spaces out Chinese characters
        ("  张  晓  明 ", "张晓明"),
        ("2014 年 5 月 3 日", "2014年5月3日"),
        ("１３９ １２３４ ５６７８", "139 1234 5678"),  # full-width digits, ideographic space
        ("139   1234\t5678\n", "139 1234 5678"),
        ("０５２３－８４８１２３４５", "0523-84812345"),
        ("2014．5．3", "2014.5.3"),
        ("| 张三 |", "张三"),
        ("｜张三｜", "张三"),
        ("[2014.5.3]", "2014.5.3"),
        ("【民建】", "民建"),
        ("丨 马桥镇", "马桥镇"),
        ("| [ 张伟 ] |", "张伟"),
        ("____2026___", "2026"),
        ("l 张伟 I", "张伟"),  # a lone I/l token beside a name is a border
        ("l张伟", "l张伟"),  # glued to the name: not sure, so kept
        ("I 5月3日", "I 5月3日"),  # may be a 1 of `15月`/`1 5月`: kept
        ("l月3日", "l月3日"),
        ("|5.3", "|5.3"),  # a | glued to a digit may be a handwritten 1
        ("\u200b张三\ufeff", "张三"),  # zero-width space, BOM
        ("⼯会", "工会"),  # Kangxi radical read for 工
        ("走访，了解情况：好（已办）", "走访，了解情况：好（已办）"),  # Chinese punctuation kept
        ("", ""),
        ("   ", ""),
        ("| |", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("年度：2026", "2026"),
        ("年度:2026", "2026"),
        ("年度2026", "2026"),
        ("年 度 ： 2026", "2026"),
        ("年度：____2026____", "2026"),
        ("度：2026", "2026"),  # the crop clipped the label's first character
        ("2026", "2026"),
        ("年度：", ""),
        ("年份2026", "年份2026"),  # not the label
    ],
)
def test_strip_label(raw: str, expected: str) -> None:
    assert strip_label(raw, ("年度", "度")) == expected


def test_strip_label_ignores_spaces_in_the_printed_label() -> None:
    assert strip_label("姓名 张三", ["姓    名"]) == "张三"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("二〇一四", "2014"),
        ("二零一四", "2014"),
        ("二○一四", "2014"),
        ("二O一四", "2014"),
        ("十", "10"),
        ("十二", "12"),
        ("二十", "20"),
        ("二十三", "23"),
        ("三十一", "31"),
        ("廿三", "23"),
        ("二〇一四年五月三日", "2014年5月3日"),
        ("OO", "OO"),  # no Chinese numeral: letters stay letters
        ("十十", "十十"),  # no number has this shape
        ("民建", "民建"),
    ],
)
def test_chinese_numerals_to_digits(raw: str, expected: str) -> None:
    assert chinese_numerals_to_digits(raw) == expected


@pytest.mark.parametrize(
    ("raw", "anchors", "expected"),
    [
        ("2O14", "", "2014"),
        ("2OO4", "", "2004"),
        ("OO4", "", "004"),
        ("l39", "", "139"),
        ("2|3", "", "213"),
        ("20l4.I.3", ".", "2014.1.3"),
        ("Ol", "", "Ol"),  # no digit anywhere: nothing to anchor on
        ("hello 2", "", "hello 2"),
    ],
)
def test_fix_digit_confusions(raw: str, anchors: str, expected: str) -> None:
    assert fix_digit_confusions(raw, anchors=anchors) == expected


@given(st.text())
def test_normalize_text_is_idempotent_and_trimmed(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once


@given(st.text(), st.lists(st.text(max_size=4), max_size=3))
def test_helpers_never_raise(raw: str, labels: list[str]) -> None:
    assert isinstance(strip_label(raw, labels), str)
    assert isinstance(chinese_numerals_to_digits(raw), str)
    assert len(fix_digit_confusions(raw)) == len(raw)


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("电话联系·反映环境问题", "电话联系，反映环境问题"),  # a comma written as a dot
        ("上门走访 • 听取意见", "上门走访，听取意见"),
        ("走访企业・了解困难", "走访企业，了解困难"),
        ("电话联系，反映问题", "电话联系，反映问题"),  # a comma stays a comma
        ("上门走访：听取意见", "上门走访：听取意见"),  # other punctuation is the writer's
        ("第3·4条", "第3·4条"),  # not between two clauses
        ("走访·", "走访·"),
    ],
)
def test_a_dot_between_two_clauses_is_a_comma(read: str, expected: str) -> None:
    assert clause_commas(read) == expected
