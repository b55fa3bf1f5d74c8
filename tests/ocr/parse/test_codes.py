"""The QR text of system-printed cards: SC1|year|member|contact and RT1|year|member."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.parse.codes import CardCode, format_card_code, parse_card_code

member_codes = st.from_regex(r"[A-Z]{2}[0-9]{4}", fullmatch=True) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Co", "Cf")),
    min_size=1,
).filter(lambda s: "|" not in s and s.isprintable())
card_codes = st.one_of(
    st.builds(
        CardCode,
        kind=st.just("service_card"),
        year=st.integers(2000, 2099),
        member_code=member_codes,
        contact_no=st.integers(1, 6),
    ),
    st.builds(
        CardCode,
        kind=st.just("registration"),
        year=st.integers(2000, 2099),
        member_code=member_codes,
        contact_no=st.none(),
    ),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SC1|2015|JJ0123|4", CardCode("service_card", 2015, "JJ0123", 4)),
        ("SC1|2026|JJ0001|1", CardCode("service_card", 2026, "JJ0001", 1)),
        ("SC1|2026|JJ0001|6", CardCode("service_card", 2026, "JJ0001", 6)),
        ("RT1|2015|JJ0123", CardCode("registration", 2015, "JJ0123", None)),
        ("SC1|2015|JJ0123|4\n", CardCode("service_card", 2015, "JJ0123", 4)),  # QR newline
    ],
)
def test_parses_card_codes(text: str, expected: CardCode) -> None:
    assert parse_card_code(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SC2|2015|JJ0123|4",  # unknown version
        "sc1|2015|JJ0123|4",
        "SC1|15|JJ0123|4",  # bad year
        "SC1|1999|JJ0123|4",
        "SC1|２０１５|JJ0123|4",  # full-width digits are not the system's
        "SC1|2015|JJ0123|0",  # contact 0
        "SC1|2015|JJ0123|7",  # contact 7
        "SC1|2015|JJ0123|04",
        "SC1|2015|JJ0123",  # contact missing
        "SC1|2015|JJ0123|4|x",  # extra field
        "SC1|2015||4",  # empty member code
        "SC1|2015|JJ 0123|4",
        "RT1|2015|JJ0123|4",  # registration with a contact
        "RT1|2015|",
        "https://example.com/",
    ],
)
def test_rejects_malformed_codes(text: str) -> None:
    assert parse_card_code(text) is None


@given(card_codes)
def test_format_then_parse_round_trips(code: CardCode) -> None:
    text = format_card_code(code)
    assert parse_card_code(text) == code
    assert format_card_code(parse_card_code(text) or code) == text


@pytest.mark.parametrize(
    "code",
    [
        CardCode("service_card", 2015, "JJ0123", None),
        CardCode("service_card", 2015, "JJ0123", 7),
        CardCode("registration", 2015, "JJ0123", 4),
        CardCode("registration", 1999, "JJ0123"),
        CardCode("registration", 2015, ""),
        CardCode("registration", 2015, "JJ|0123"),
        CardCode("invitation", 2015, "JJ0123"),
    ],
)
def test_format_refuses_codes_that_would_not_parse(code: CardCode) -> None:
    with pytest.raises(ValueError):
        format_card_code(code)


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    code = parse_card_code(text)
    if code is not None:
        assert format_card_code(code) == text.strip()
