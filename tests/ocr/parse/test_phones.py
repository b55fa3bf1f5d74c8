"""Phone numbers in every written style: mobiles and Jingjiang landlines, OCR confusions."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.parse.phones import parse_phone

# record.schema.json: "phones as digits with an optional single '-' after the area code".
SCHEMA_PHONE = re.compile(r"[0-9]+(-[0-9]+)?")
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
locals_ = st.from_regex(r"[2-9][0-9]{7}", fullmatch=True)

MOBILE_STYLES: dict[str, Callable[[str], str]] = {
    "plain": lambda m: m,
    "spaced": lambda m: f"{m[:3]} {m[3:7]} {m[7:]}",
    "dashed": lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}",
    "full_width": lambda m: m.translate(FULL_WIDTH),
    "em_dashes": lambda m: f"{m[:3]}—{m[3:7]}—{m[7:]}",
    "letter_o_and_l": lambda m: m.replace("0", "O").replace("1", "l"),
    "capital_i": lambda m: m.replace("1", "I"),
    "country_code": lambda m: f"+86 {m}",
}

LANDLINE_STYLES: dict[str, Callable[[str], str]] = {
    "dashed": lambda n: f"0523-{n}",
    "spaced": lambda n: f"0523 {n}",
    "joined": lambda n: f"0523{n}",
    "local_only": lambda n: n,
    "parentheses": lambda n: f"(0523){n}",
    "em_dash": lambda n: f"0523—{n}",
    "full_width_dash": lambda n: f"0523－{n}",
    "full_width": lambda n: f"0523-{n}".translate(FULL_WIDTH),
    "letter_o": lambda n: f"O523-{n}",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("l39l2345678", "13912345678"),
        ("I39 I234 5678", "13912345678"),
        ("1390O345678", "13900345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0523-84812345", "0523-84812345"),
        ("0523 84812345", "0523-84812345"),
        ("052384812345", "0523-84812345"),
        ("84812345", "0523-84812345"),
        ("0523—84812345", "0523-84812345"),
        ("0523－84812345", "0523-84812345"),
        ("O523-848l2345", "0523-84812345"),
        ("(0523)84812345", "0523-84812345"),
        ("| 13912345678 |", "13912345678"),
        ("|13912345678", "13912345678"),  # the border glued to the number
        ("13912345678l", "13912345678"),
    ],
)
def test_parses_written_phones(raw: str, expected: str) -> None:
    parsed = parse_phone(raw)
    assert (parsed.value, parsed.valid, parsed.note) == (expected, True, None)


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        ("1391234567", None, "phone_bad_length"),
        ("139123456789", None, "phone_bad_length"),
        ("4812345", None, "phone_bad_length"),
        ("0523-4812345", None, "phone_bad_length"),
        ("12912345678", "12912345678", "mobile_bad_prefix"),
        ("04812345", None, "landline_bad_prefix"),
        ("0523-04812345", None, "landline_bad_prefix"),
        ("025-84812345", "025-84812345", "landline_not_jingjiang"),
        ("0510-86012345", "0510-86012345", "landline_not_jingjiang"),
        ("", None, "empty"),
        ("  ", None, "empty"),
        ("无", None, "no_digits"),
    ],
)
def test_rejects_wrong_numbers(raw: str, value: str | None, note: str) -> None:
    parsed = parse_phone(raw)
    assert (parsed.value, parsed.valid, parsed.note) == (value, False, note)


@given(mobiles, st.sampled_from(sorted(MOBILE_STYLES)))
def test_round_trip_mobiles(mobile: str, style: str) -> None:
    parsed = parse_phone(MOBILE_STYLES[style](mobile))
    assert (parsed.value, parsed.valid) == (mobile, True)


@given(locals_, st.sampled_from(sorted(LANDLINE_STYLES)))
def test_round_trip_landlines(local: str, style: str) -> None:
    parsed = parse_phone(LANDLINE_STYLES[style](local))
    assert (parsed.value, parsed.valid) == (f"0523-{local}", True)


@given(st.text())
def test_never_raises_on_arbitrary_text(raw: str) -> None:
    parsed = parse_phone(raw)
    if parsed.value is not None:
        assert isinstance(parsed.value, str)
        assert SCHEMA_PHONE.fullmatch(parsed.value)
    if parsed.valid:
        assert isinstance(parsed.value, str)
        assert re.fullmatch(r"1[3-9][0-9]{9}|0523-[2-9][0-9]{7}", parsed.value)
    else:
        assert parsed.note
