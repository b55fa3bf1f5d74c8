"""Linking pages to the roster: the pure evidence model (names, phones, sector, committee)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from records.linking import (
    LINK_MIN_SCORE,
    Candidate,
    Match,
    best_match,
    evidence,
)

# --- the pure evidence model ------------------------------------------------------------

MENG = Candidate(1, "孟波春", phone="13800000001", sector="民革", committee="新桥镇")
ZHANG = Candidate(2, "张伟", phone="13800000002", sector="民盟", committee="靖城街道")
LI = Candidate(3, "李华", phone="13800000003", sector="九三学社", committee="新桥镇")
ROSTER = [ZHANG, MENG, LI]


def test_best_match_picks_the_member_whose_name_equals_the_read() -> None:
    match = best_match(ROSTER, name="孟波春")
    assert match.candidate == MENG
    assert match.score == 1.0
    assert match.margin > 0.5


def test_one_misread_character_still_links_to_the_right_member() -> None:
    match = best_match(ROSTER, name="孟波眷")
    assert match.candidate == MENG
    assert LINK_MIN_SCORE <= match.score < 1.0


def test_an_equal_phone_pulls_a_weak_name_match_above_a_closer_name() -> None:
    weak = Candidate(1, "汪晓宏", phone="13800000001")
    close = Candidate(2, "王小明", phone="13800000002")
    assert best_match([weak, close], name="王小红").candidate == close
    pulled = best_match([weak, close], name="王小红", phone="13800000001")
    assert pulled.candidate == weak
    assert pulled.score >= LINK_MIN_SCORE


def test_two_members_of_the_same_name_leave_no_margin_until_the_phone_decides() -> None:
    first = Candidate(1, "张伟", phone="13800000001")
    second = Candidate(2, "张伟", phone="13800000002")
    undecided = best_match([first, second], name="张伟")
    assert undecided.margin == 0.0
    decided = best_match([first, second], name="张伟", phone="13800000002")
    assert decided.candidate == second
    assert 0.0 < decided.margin < 0.5  # small: only the phone tells them apart


def test_no_candidates_is_no_match() -> None:
    assert best_match([], name="孟波春") == Match(None, 0.0, 0.0)
    assert best_match(ROSTER, name=None) == Match(None, 0.0, 0.0)


def test_an_untrusted_candidate_that_differs_keeps_the_read() -> None:
    contact = Candidate(2, "王芳", trusted=False)
    parsed = best_match([contact], name="王方").parsed("王方")
    assert parsed.value == "王方"
    assert parsed.valid is False
    assert parsed.note == "disagrees_with_registration"


def test_an_untrusted_candidate_replaces_a_read_that_is_not_a_name() -> None:
    contact = Candidate(2, "王芳", trusted=False)
    parsed = Match(contact, 0.8, 0.8).parsed("王1")
    assert parsed.value == "王芳"
    assert parsed.note == "disagrees_with_registration" and parsed.valid is False


def test_a_trusted_candidate_replaces_the_read() -> None:
    parsed = best_match(ROSTER, name="孟波眷").parsed("孟波眷")
    assert parsed.value == "孟波春"
    assert parsed.valid is True and parsed.note is None


def test_a_weak_match_is_not_valid() -> None:
    parsed = Match(ZHANG, 0.5, 0.4).parsed("张三")
    assert parsed.valid is False and parsed.note == "weak_match"
    assert parsed.similarity == 0.5


NAME_CHARS = "张王李赵刘陈杨黄周吴孟波春伟华芳静洋明红晓敏杰"
names = st.text(alphabet=NAME_CHARS, min_size=2, max_size=3)
phones = st.one_of(st.none(), st.sampled_from(["13800000001", "13800000002", "0523-84810002"]))


@settings(max_examples=60, derandomize=True, deadline=None)
@given(roster=st.lists(names, min_size=1, max_size=6, unique=True), data=st.data())
def test_a_read_equal_to_a_roster_name_always_picks_that_name(
    roster: list[str], data: st.DataObject
) -> None:
    candidates = [Candidate(i, name) for i, name in enumerate(roster, start=1)]
    read = data.draw(st.sampled_from(roster))
    match = best_match(candidates, name=read)
    assert match.candidate is not None and match.candidate.name == read
    assert match.score == 1.0
    assert 0.0 < match.margin <= 1.0


@settings(max_examples=60, derandomize=True, deadline=None)
@given(name=names, other=names, said=phones, known=phones, sector=st.sampled_from(["民革", None]))
def test_evidence_stays_in_unit_range(
    name: str, other: str, said: str | None, known: str | None, sector: str | None
) -> None:
    candidate = Candidate(1, other, phone=known, sector="民革")
    score = evidence(candidate, name=name, phone=said, sector=sector)
    assert 0.0 <= score <= 1.0
