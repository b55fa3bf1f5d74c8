"""Word evidence for free text: a character the engine hesitated over becomes the one that
makes a word; what the engine read with confidence, digits and punctuation stay."""

from __future__ import annotations

import math

import pytest

from ocr.parse.words import best_reading, common_words, domain_lines, read_words

WORDS = read_words(["电话 5000", "问候 500", "问侯 2", "走访 600", "企业 8000", "了解 9000"])


def one(char: str, p: float = 0.99) -> list[tuple[str, float]]:
    return [(char, p)]


def test_a_hesitant_character_becomes_the_one_that_makes_a_word() -> None:
    choices = [one("电"), one("话"), one("问"), [("侯", 0.9), ("候", 0.08)]]
    text, mean = best_reading(choices, WORDS)
    assert text == "电话问候"
    # The character chosen was the engine's second guess: the mean falls with it.
    assert mean == pytest.approx((3 * 0.99 + 0.08) / 4)


def test_a_confident_read_and_a_far_fetched_alternative_stay_as_read() -> None:
    # 侯 at 0.999 and 候 at 0.0001: no word is worth a character the engine all but ruled out.
    choices = [one("电"), one("话"), one("问"), [("侯", 0.999), ("候", 0.0001)]]
    assert best_reading(choices, WORDS)[0] == "电话问侯"


def test_digits_and_punctuation_are_never_changed_and_end_words() -> None:
    choices = [one("走"), [("坊", 0.6), ("访", 0.3)], [("，", 0.5), ("了", 0.4)], one("3")]
    text, _ = best_reading(choices, WORDS)
    assert text == "走访，3"


def test_nothing_read_is_nothing() -> None:
    assert best_reading([], WORDS) == ("", 0.0)


def test_dictionary_lines_become_log_frequencies_of_chinese_words() -> None:
    words = read_words(["问候 300 n", "AT&T 3 nz", "中华人民共和国 10 ns", "候 100 v", "bad"])
    assert set(words) == {"问候", "候"}  # no Latin, nothing over four characters
    assert words["问候"] == pytest.approx(math.log(300 / 400))


def test_the_city_its_towns_and_sectors_are_words() -> None:
    lines = domain_lines()
    assert {"靖江 1000", "孤山 1000", "孤山镇 1000", "江阴 1000"} <= set(lines)
    words = common_words()  # jieba's dictionary and the city's names
    assert words["问候"] > words.get("问侯", -math.inf)
    assert words["靖江"] > words["清江"]  # the city, not the river
    assert len(words) > 300_000
