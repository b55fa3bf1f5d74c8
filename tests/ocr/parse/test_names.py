"""Chinese name similarity (characters and pinyin) and snapping a read to a roster."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.parse.names import NAME_THRESHOLD, name_similarity, plausible_name, snap_name

# Names as candidates and reads: common surnames and given-name characters.
HAN = st.sampled_from(
    list("张王李赵刘陈杨黄周吴徐孙马朱胡郭何林晓小明敏敬华伟玮芳红军建国丽莉杰洁")
)
names = st.text(HAN, min_size=2, max_size=4)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        # homophones and near-homophones: a misread character with the same sound
        ("张晓明", "张小明", 0.85, 0.9),
        ("张晓明", "章晓明", 0.85, 0.9),
        ("刘德华", "刘德化", 0.85, 0.9),
        ("李明", "李鸣", 0.8, 0.85),
        ("孙丽", "孙莉", 0.8, 0.85),
        # a character dropped or added
        ("张晓明", "张明", 0.8, 0.85),
        ("李明", "李明华", 0.8, 0.85),
        ("欧阳娜娜", "欧阳娜", 0.85, 0.9),
        # one misread character of a 3-character name, whatever its sound
        ("张晓明", "张晓朋", 2 / 3, 0.75),
        ("陈建国", "陈建二", 2 / 3 - 1e-9, 0.7),
        # only the surname left: below the threshold unless the sounds are close
        ("赵敏", "赵敬", NAME_THRESHOLD, 0.7),
        ("周杰", "吴杰", 0.55, NAME_THRESHOLD),
        ("李明", "李华", 0.45, NAME_THRESHOLD),
        ("张晓明", "张伟", 0.35, 0.5),
        ("张三", "李四", 0.0, 0.2),
    ],
)
def test_name_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= name_similarity(a, b) < high


def test_identical_after_normalization_is_one() -> None:
    assert name_similarity("张 晓 明", "张晓明") == 1.0
    assert name_similarity("| 张晓明", "张晓明") == 1.0
    assert name_similarity("阿依古丽·买买提", "阿依古丽买买提") == 1.0
    assert name_similarity("张晓明", "") == 0.0


@given(names, names)
def test_similarity_is_symmetric_and_one_only_for_equal_names(a: str, b: str) -> None:
    score = name_similarity(a, b)
    assert score == name_similarity(b, a)
    assert 0.0 <= score <= 1.0
    assert (score == 1.0) == (a == b)


@given(names, st.integers(0, 3), HAN)
def test_a_replaced_homophone_scores_above_threshold(name: str, i: int, han: str) -> None:
    i %= len(name)
    twin = {"晓": "小", "小": "晓", "丽": "莉", "莉": "丽", "杰": "洁", "洁": "杰", "伟": "玮"}
    other = name[:i] + twin.get(name[i], name[i]) + name[i + 1 :]
    assert name_similarity(name, other) >= 0.8


@pytest.mark.parametrize(
    ("raw", "expected", "note"),
    [
        ("张晓明", "张晓明", None),
        ("张小明", "张晓明", None),
        ("张 晓 明", "张晓明", None),
        ("张明", "张晓明", None),
        ("王丽", "王莉", None),
        ("李建困", "李建国", None),
        ("赵四", None, "no_match"),
    ],
)
def test_snap_name_to_a_roster(raw: str, expected: str | None, note: str | None) -> None:
    roster = ["张晓明", "王莉", "李建国", "陈芳", "刘伟"]
    parsed = snap_name(raw, roster)
    assert parsed.note == note
    assert parsed.valid == (note is None)
    if expected is not None:
        assert parsed.value == expected
        assert parsed.margin > 0.0


def test_snap_returns_the_candidate_exactly_as_given() -> None:
    parsed = snap_name("张晓明", ["刘伟", " 张晓明 "])
    assert (parsed.value, parsed.similarity, parsed.valid) == (" 张晓明 ", 1.0, True)


def test_margin_is_over_the_second_distinct_candidate() -> None:
    # The roster repeats 张晓明; the runner-up is 张晓红, not the repeat.
    parsed = snap_name("张晓明", ["张晓明", "张晓明", "张晓红"])
    assert parsed.margin == pytest.approx(1.0 - name_similarity("张晓明", "张晓红"))
    assert snap_name("张晓明", ["张晓明"]).margin == 1.0


def test_a_tie_is_not_valid() -> None:
    parsed = snap_name("张明", ["张晓明", "张小明"])
    assert (parsed.valid, parsed.margin, parsed.note) == (False, 0.0, "ambiguous")
    assert parsed.value == "张晓明"  # the first of the tied candidates


@pytest.mark.parametrize(
    ("raw", "candidates", "value", "note"),
    [
        (" 张 晓明 ", [], "张晓明", "no_candidates"),
        ("", [], None, "no_candidates"),
        ("张晓明", ["", "  "], "张晓明", "no_candidates"),
        ("", ["张晓明"], None, "empty"),
        ("| |", ["张晓明"], None, "empty"),
    ],
)
def test_snap_without_a_read_or_a_roster(
    raw: str, candidates: list[str], value: str | None, note: str
) -> None:
    parsed = snap_name(raw, candidates)
    assert (parsed.value, parsed.valid, parsed.note) == (value, False, note)


@given(names, st.lists(names, max_size=6))
def test_every_candidate_snaps_to_itself(name: str, others: list[str]) -> None:
    parsed = snap_name(name, [*others, name])
    assert parsed.similarity == 1.0
    assert parsed.value == name
    assert parsed.valid == (parsed.margin > 0.0)


@given(st.text(), st.lists(st.text(max_size=6), max_size=6))
def test_never_raises_on_arbitrary_text(raw: str, candidates: list[str]) -> None:
    parsed = snap_name(raw, candidates)
    assert 0.0 <= parsed.similarity <= 1.0
    assert 0.0 <= parsed.margin <= 1.0
    if parsed.valid:
        assert parsed.value in candidates
        assert parsed.similarity >= NAME_THRESHOLD
    else:
        assert parsed.note
    assert 0.0 <= name_similarity(raw, "".join(candidates)) <= 1.0


@pytest.mark.parametrize(
    ("read", "plausible"),
    [("张三", True), ("欧阳小明", True), ("司马光", True), ("崔日明佳", False), ("张", False),
     ("张三1", False), ("买买提·艾力", True), ("", False)],
)
def test_plausible_names_allow_four_characters_only_after_a_compound_surname(
    read: str, plausible: bool
) -> None:
    assert plausible_name(read) is plausible
