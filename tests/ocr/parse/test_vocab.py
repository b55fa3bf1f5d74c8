"""Snapping sector and committee reads to the closed lists of vocabulary.md."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.vocabulary import COMMITTEES, SECTORS
from ocr.parse.vocab import VOCABULARY_THRESHOLD, snap_vocabulary

TABLES = {"sectors": SECTORS, "committees": COMMITTEES}
ALL_NAMES = [
    (table_name, canonical, name)
    for table_name, table in TABLES.items()
    for canonical, aliases in table.items()
    for name in (canonical, *aliases)
]


@pytest.mark.parametrize(("table_name", "canonical", "name"), ALL_NAMES)
def test_every_canonical_name_and_alias_is_an_exact_hit(
    table_name: str, canonical: str, name: str
) -> None:
    parsed = snap_vocabulary(name, TABLES[table_name])
    assert (parsed.value, parsed.valid, parsed.similarity) == (canonical, True, 1.0)
    assert 0.0 < parsed.margin <= 1.0


@pytest.mark.parametrize(
    ("raw", "expected", "min_similarity"),
    [
        ("民主建国会", "民建", 0.8),  # 中国 dropped
        ("中国民主建国会", "民建", 1.0),
        ("民 建", "民建", 1.0),
        ("九三学社界", "九三学社", 1.0),  # trailing 界 added
        ("农工党界", "农工党", 1.0),
        ("医药卫生", "医药卫生界", 1.0),  # trailing 界 left off
        ("农叶界", "农业界", 0.6),  # 业 misread
        ("共产党", "中共", 0.7),
        ("中国共产觉", "中共", 0.8),
        ("无党派人土", "无党派人士", 0.8),
    ],
)
def test_snaps_sector_reads(raw: str, expected: str, min_similarity: float) -> None:
    parsed = snap_vocabulary(raw, SECTORS)
    assert (parsed.value, parsed.valid, parsed.note) == (expected, True, None)
    assert parsed.similarity >= min_similarity
    assert parsed.margin > 0.0


@pytest.mark.parametrize(
    ("raw", "expected", "min_similarity"),
    [
        ("马桥真", "马桥镇", 0.8),  # 镇 misread
        ("靖江工业园", "江阴-靖江工业园区", 0.9),
        ("江阴—靖江工业园区", "江阴-靖江工业园区", 1.0),  # em dash for the hyphen
        ("江阴靖江工业园区", "江阴-靖江工业园区", 1.0),
        ("靖城 街道", "靖城街道", 1.0),
        ("市政协", "市政协办公室", 1.0),
        ("新桥", "新桥镇", 1.0),
        ("| 城北 |", "城北园区", 1.0),
        ("孤山真", "孤山镇", 0.8),
    ],
)
def test_snaps_committee_reads(raw: str, expected: str, min_similarity: float) -> None:
    parsed = snap_vocabulary(raw, COMMITTEES)
    assert (parsed.value, parsed.valid, parsed.note) == (expected, True, None)
    assert parsed.similarity >= min_similarity


def test_margin_is_against_a_different_canonical_name() -> None:
    # 中国民主建国会 and 民建界 are both 民建: the runner-up is 民进's 中国民主促进会.
    parsed = snap_vocabulary("中国民主建国会", SECTORS)
    assert parsed.margin == pytest.approx(1.0 - 10 / 14)


@pytest.mark.parametrize(
    ("raw", "table", "value", "note"),
    [
        ("民明", SECTORS, "民革", "no_match"),  # 2 characters, one wrong: could be any 民X
        ("新阶层", SECTORS, "新闻出版界", "no_match"),  # off the list: best guess kept
        ("abc", SECTORS, None, "no_match"),  # nothing in common with any entry
        ("xyz", COMMITTEES, None, "no_match"),
        ("园区", COMMITTEES, "城南园区", "ambiguous"),  # 城南园区 and 城北园区 tie
        ("", SECTORS, None, "empty"),
        (" | ", COMMITTEES, None, "empty"),
        ("民建", {}, None, "no_candidates"),
    ],
)
def test_rejects_reads_off_the_list(
    raw: str, table: dict[str, tuple[str, ...]], value: str | None, note: str
) -> None:
    parsed = snap_vocabulary(raw, table)
    assert (parsed.value, parsed.valid, parsed.note) == (value, False, note)


def test_single_entry_table_has_full_margin() -> None:
    parsed = snap_vocabulary("民建界", {"民建": ("中国民主建国会",)})
    assert (parsed.value, parsed.similarity, parsed.margin) == ("民建", 1.0, 1.0)


@pytest.mark.parametrize("table", [SECTORS, COMMITTEES], ids=["sectors", "committees"])
def test_trailing_jie_never_makes_two_entries_equal(table: dict[str, tuple[str, ...]]) -> None:
    # The exact-hit rule ignores a trailing 界; no two entries may collide under it.
    owner: dict[str, str] = {}
    for canonical, aliases in table.items():
        for name in (canonical, *aliases):
            key = name.removesuffix("界")
            assert owner.setdefault(key, canonical) == canonical


@pytest.mark.parametrize(
    ("table_name", "canonical", "name"), [n for n in ALL_NAMES if len(n[2]) >= 4]
)
def test_one_dropped_character_never_snaps_to_a_wrong_entry(
    table_name: str, canonical: str, name: str
) -> None:
    for i in range(len(name)):
        parsed = snap_vocabulary(name[:i] + name[i + 1 :], TABLES[table_name])
        assert parsed.similarity >= VOCABULARY_THRESHOLD
        if parsed.valid:
            assert parsed.value == canonical, name[:i] + name[i + 1 :]


@given(st.text(), st.sampled_from(sorted(TABLES)))
def test_never_raises_on_arbitrary_text(raw: str, table_name: str) -> None:
    table = TABLES[table_name]
    parsed = snap_vocabulary(raw, table)
    assert 0.0 <= parsed.similarity <= 1.0
    assert 0.0 <= parsed.margin <= 1.0
    assert parsed.value is None or parsed.value in table
    if parsed.valid:
        assert parsed.similarity >= VOCABULARY_THRESHOLD
        assert parsed.margin > 0.0
    else:
        assert parsed.note
