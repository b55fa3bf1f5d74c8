"""Word evidence for free text: where the engine hesitated between characters, the reading
that makes common Chinese words wins (`电话问侯` → `电话问候`).

For each character it read, the engine gives its few likeliest characters with their
probabilities. A reading is scored as the engine's log-probability of its characters plus
``WORD_WEIGHT`` times the log-probability of its best split into words under a unigram
word model: jieba's dictionary, about 350 000 words with their frequency in a general
corpus, and the city's own names from the vocabulary (its towns and sectors, so `靖江` is
not read as the river `清江`). A Viterbi pass over spans of up to ``MAX_WORD``
characters finds the best reading. Only a Chinese character can become another Chinese
character; digits and punctuation stay as read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache
from itertools import product
from pathlib import Path

from forms.vocabulary import CITY, COMMITTEES, SECTORS
from ocr.engines.base import Choices

MAX_WORD = 4
MAX_CHOICES = 4
WORD_WEIGHT = 1.0
UNKNOWN_PENALTY = 3.0
"""A Chinese character that is no word of its own is this much (natural log) less likely
than the rarest word."""


def is_han(text: str) -> bool:
    return bool(text) and all("\u4e00" <= c <= "\u9fff" for c in text)


class Words(dict[str, float]):
    """``word → log relative frequency``, and ``unknown``: the score of a Chinese character
    that is no word of its own (``UNKNOWN_PENALTY`` under the rarest word), fixed once."""

    def __init__(self, logp: dict[str, float]) -> None:
        super().__init__(logp)
        self.unknown = min(logp.values(), default=-20.0) - UNKNOWN_PENALTY


def read_words(lines: Sequence[str], *, max_word: int = MAX_WORD) -> Words:
    """The words of dictionary lines (`word count [tag]`): Chinese characters up to
    ``max_word`` long."""
    counts: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) <= max_word and is_han(parts[0]):
            counts[parts[0]] = counts.get(parts[0], 0) + int(parts[1])
    total = sum(counts.values()) or 1
    return Words({w: math.log(n / total) for w, n in counts.items()})


DOMAIN_COUNT = 1000
"""How often the city's own names count, as a common word does in the dictionary."""


def domain_lines() -> list[str]:
    """The city, its committees and sectors with their aliases, as dictionary lines: each
    run of Chinese characters short enough to be a word (`江阴-靖江工业园区` → `江阴`)."""
    names = [CITY]
    for table in (COMMITTEES, SECTORS):
        for name, aliases in table.items():
            names += [name, *aliases]
    runs = {run for name in names for run in re.findall("[\u4e00-\u9fff]+", name)}
    return [f"{run} {DOMAIN_COUNT}" for run in sorted(runs) if len(run) <= MAX_WORD]


@cache
def common_words() -> Words:
    """jieba's dictionary (shipped inside the package) and the city's names, read once per
    process (about 0.7 s)."""
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    return read_words([*path.read_text(encoding="utf-8").splitlines(), *domain_lines()])


def _options(choices: Sequence[Sequence[tuple[str, float]]]) -> list[list[tuple[str, float]]]:
    """The alternatives worth trying: Chinese characters for a Chinese character read,
    nothing else for a digit, a letter or punctuation."""
    out = []
    for options in choices:
        first = options[0]
        if is_han(first[0]):
            out.append([o for o in options if is_han(o[0])][:MAX_CHOICES])
        else:
            out.append([first])
    return out


def best_reading(choices: Choices, words: Words, weight: float = WORD_WEIGHT) -> tuple[str, float]:
    """The likeliest text given the engine's choices and the words; with the mean engine
    probability of the characters chosen (lower than the read's when one was changed)."""
    options = _options([c for c in choices if c])
    n = len(options)
    if n == 0:
        return "", 0.0
    # best[j]: (score, start of the last token, the token's characters) for the first j.
    best: list[tuple[float, int, tuple[tuple[str, float], ...]] | None] = [None] * (n + 1)
    best[0] = (0.0, 0, ())
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for length in range(1, min(MAX_WORD, n - i) + 1):
            span = options[i : i + length]
            if length > 1 and not is_han(span[-1][0][0]):
                break  # a word is Chinese characters: a digit or a comma ends it
            for combo in product(*span):
                word = "".join(c for c, _ in combo)
                if word in words:
                    lm = words[word]
                elif length == 1:
                    lm = words.unknown if is_han(word) else 0.0
                else:
                    continue
                score = here[0] + sum(math.log(max(p, 1e-9)) for _, p in combo) + weight * lm
                there = best[i + length]
                if there is None or score > there[0]:
                    best[i + length] = (score, i, combo)
    chosen: list[tuple[str, float]] = []
    at = n
    while at > 0:
        step = best[at]
        assert step is not None
        chosen[:0] = step[2]
        at = step[1]
    return "".join(c for c, _ in chosen), sum(p for _, p in chosen) / n
