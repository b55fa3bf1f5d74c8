"""Content generation: the writing variants FORMS.md lists, and plausible values."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from forms.vocabulary import COMMITTEES, SECTORS
from samples import content

DATE = dt.date(2026, 5, 3)


@pytest.mark.parametrize(
    ("style", "raw"),
    [
        ("dot", "2026.5.3"),
        ("dash", "2026-05-03"),
        ("slash", "2026/5/3"),
        ("cn", "2026年5月3日"),
        ("md_cn", "5月3日"),
        ("md_dot", "5.3"),
        ("short_dot", "26.5.3"),
        ("cn_numerals", "二〇二六年五月三日"),
    ],
)
def test_date_styles_match_forms_md(style: str, raw: str) -> None:
    assert content.date_raw(DATE, style) == raw


def test_chinese_numerals_of_two_digit_days() -> None:
    assert content.date_raw(dt.date(2026, 11, 30), "cn_numerals") == "二〇二六年十一月三十日"
    assert content.date_raw(dt.date(2026, 10, 21), "cn_numerals") == "二〇二六年十月二十一日"


def test_phone_writing_keeps_the_digits() -> None:
    rng = random.Random(3)
    for _ in range(200):
        phone = content.any_phone(rng, 0.5)
        raw = content.phone_raw(phone, rng)
        if phone.startswith("0523-"):
            assert re.fullmatch(r"0523-8\d{7}", phone)
            assert raw in (phone, phone[5:])
        else:
            assert re.fullmatch(r"1\d{10}", phone)
            assert raw.replace(" ", "") == phone


def test_roster_codes_and_vocabularies() -> None:
    members = content.roster(random.Random(5), 30)
    assert len({m.code for m in members}) == 30
    for m in members:
        assert re.fullmatch(r"JJ\d{4}", m.code)
        assert m.sector in SECTORS and m.committee in COMMITTEES
        assert 2 <= len(m.name) <= 4


def test_aliases_come_from_the_closed_lists() -> None:
    rng = random.Random(9)
    for sector in SECTORS:
        assert content.sector_raw(sector, rng) in (sector, *SECTORS[sector])
    for committee in COMMITTEES:
        assert content.committee_raw(committee, rng) in (committee, *COMMITTEES[committee])


def test_visits_are_ordered_within_the_year_before_the_deadline() -> None:
    rng = random.Random(11)
    for _ in range(50):
        visits = content.visits_of(rng, 2026)
        assert 3 <= len(visits) <= 8
        dates = [v.date for v in visits]
        assert dates == sorted(dates)
        assert all(dt.date(2026, 1, 1) <= d <= dt.date(2026, 11, 30) for d in dates)
        assert all(v.manner in ("visit", "phone", "other") for v in visits)
