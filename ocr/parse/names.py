"""Compare and snap handwritten Chinese names, forgiving characters that sound alike.

A contact may write 张小明 for 张晓明, and OCR misreads, drops or adds a character;
so names are compared both as characters and as pinyin syllables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from ocr.parse.text import normalize_text
from ocr.parse.types import Parsed

# Scores of typical slips (tests/ocr/parse/test_names.py): a homophone anywhere or a
# dropped/added character >= 0.8; one misread character of a 3-character name >= 2/3
# whatever it sounds like. One misread character of a 2-character name leaves only the
# surname: it passes only when the sounds are close (赵敏/赵敬 0.66; 周杰/吴杰 0.60 and
# 李明/李华 0.50 do not), and another given name with the same surname (张晓明/张伟
# 0.41) never does.
NAME_THRESHOLD = 0.65

# How much the sound counts against the characters once both are known.
_SOUND_WEIGHT = 0.6
_PUNCTUATION = re.compile(r"[\W_]+")
# Initials and finals that Jiangsu speakers (and writers) merge: zh/z, n/l, -ng/-n.
_FUZZY_PINYIN = (
    (re.compile(r"^([zcs])h"), r"\1"),
    (re.compile(r"^n(?=[aeiouv])"), "l"),
    (re.compile(r"([aei])ng$"), r"\1n"),
)


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names in [0, 1] from characters and pinyin; 1.0 only when identical."""
    a, b = _name_key(a), _name_key(b)
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    chars = fuzz.ratio(a, b) / 100
    sounds = _syllables_similarity(_syllables(a), _syllables(b))
    blended = (1 - _SOUND_WEIGHT) * chars + _SOUND_WEIGHT * sounds
    return max(chars, blended)


def snap_name(raw: str, candidates: Sequence[str]) -> Parsed:
    """The candidate (exactly as given) that best matches the read, with its margin.

    The margin is over the second-best candidate that differs after normalization, so
    a roster listing one name twice does not make it ambiguous; a tie is not valid.
    """
    read = normalize_text(raw)
    distinct: dict[str, str] = {}
    for candidate in candidates:
        key = _name_key(candidate)
        if key:
            distinct.setdefault(key, candidate)
    if not distinct:
        return Parsed(value=read or None, valid=False, similarity=0.0, margin=0.0,
                      note="no_candidates")  # fmt: skip
    if not _name_key(read):
        return Parsed(value=None, valid=False, similarity=0.0, margin=0.0, note="empty")
    scored = sorted(
        ((name_similarity(read, c), i, c) for i, c in enumerate(distinct.values())),
        key=lambda t: (-t[0], t[1]),
    )
    similarity, _, best = scored[0]
    margin = similarity - scored[1][0] if len(scored) > 1 else 1.0
    note = None
    if similarity < NAME_THRESHOLD:
        note = "no_match"
    elif margin == 0.0:
        note = "ambiguous"
    return Parsed(value=best, valid=note is None, similarity=similarity, margin=margin, note=note)


def _name_key(text: str) -> str:
    """A name as compared: normalized, without spaces, dots (阿依古丽·买买提) or punctuation."""
    return _PUNCTUATION.sub("", normalize_text(text))


def _syllables(name: str) -> list[str]:
    """Toneless pinyin per character; a run of other characters stays one token."""
    return pinyin_of(name)


def pinyin_of(text: str, *, initials: bool = False) -> list[str]:
    """Toneless pinyin (or only initials) per character. pypinyin loads its dictionaries
    (~0.3 s) on first use, so commands that never compare names start fast."""
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.FIRST_LETTER if initials else Style.NORMAL)


def _fuzzy(syllable: str) -> str:
    """A syllable with the merged initials and finals folded together."""
    for pattern, replacement in _FUZZY_PINYIN:
        syllable = pattern.sub(replacement, syllable)
    return syllable


def _syllable_similarity(x: str, y: str) -> float:
    """1 for the same sound, 0.9 for a near-homophone, less for sounds that share letters."""
    if x == y:
        return 1.0
    fx, fy = _fuzzy(x), _fuzzy(y)
    if fx == fy:
        return 0.9
    return 0.8 * fuzz.ratio(fx, fy) / 100


def _syllables_similarity(xs: list[str], ys: list[str]) -> float:
    """1 minus a soft edit distance over syllables, scaled by the longer name."""
    if not xs or not ys:
        return 0.0
    previous = [float(j) for j in range(len(ys) + 1)]
    for i, x in enumerate(xs, start=1):
        current = [float(i)]
        for j, y in enumerate(ys, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + 1 - _syllable_similarity(x, y),
                )
            )
        previous = current
    return max(0.0, 1 - previous[-1] / max(len(xs), len(ys)))


_NAME_SHAPE = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,4}·[\u4e00-\u9fff]{1,6}$")
# Han names of four characters almost always start with a two-character surname; a
# four-character read without one is usually a three-character name with a stray stroke.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "夏侯",
        "令狐",
        "宇文",
        "长孙",
        "司徒",
        "轩辕",
        "端木",
        "南宫",
        "独孤",
        "澹台",
        "百里",
        "呼延",
        "西门",
        "太史",
        "申屠",
        "公冶",
        "闻人",
        "赫连",
        "濮阳",
        "钟离",
        "万俟",
        "第五",
        "闾丘",
        "左丘",
        "东郭",
        "羊舌",
        "微生",
        "梁丘",
        "拓跋",
        "段干",
        "仲孙",
        "单于",
    ]
)


def plausible_name(text: str) -> bool:
    """Whether a read looks like a Chinese name: 2–3 characters, 4 with a compound surname,
    or a transliterated name with `·`."""
    if "·" in text:
        return bool(_NAME_SHAPE.match(text.strip()))
    key = _name_key(text)
    if not _NAME_SHAPE.match(key):
        return False
    return len(key) < 4 or key[:2] in COMPOUND_SURNAMES
