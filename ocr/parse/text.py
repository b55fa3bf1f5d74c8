"""Cleanup of one cell's OCR read before a field parser looks at it.

OCR engines return full-width forms, spaces between Chinese characters, zero-width
marks and bits of the cell's border; these helpers remove that noise and nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Chinese text punctuation stays full-width (free text keeps its look); every other
# compatibility form (full-width digits/letters, ．－／｜, Kangxi radicals, ①) goes NFKC.
_KEEP_FULLWIDTH = "，：；（）！？"
_KEEP_SPLIT = re.compile(f"([{_KEEP_FULLWIDTH}])")

# Ideographs, CJK punctuation (、。〇) and the full-width punctuation kept above.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff"
_SPACE_BY_CJK = re.compile(f"\\s+(?=[{_CJK}])|(?<=[{_CJK}])\\s+")
_SPACES = re.compile(r"\s+")

# Table borders and the blank's underline read as text at either end of a cell.
# `|` glued to a digit may be a handwritten 1, so it is kept for the digit parsers.
# A lone I or l is only dropped as its own token beside an ideograph that is not a
# numeral or date unit (`l 月` may well be `1月`).
_NOT_NUMERIC_HAN = "(?![〇零一二两三四五六七八九十廿卅年月日号])[\u3400-\u4dbf\u4e00-\u9fff]"
_LEADING_BORDER = re.compile(
    f"^(?:[\\[\\]【】丨_]+|\\|+(?![\\d|])|[Il]\\s+(?={_NOT_NUMERIC_HAN}))\\s*"
)
_TRAILING_BORDER = re.compile(
    f"\\s*(?:[\\[\\]【】丨_]+|(?<![\\d|])\\|+|(?<={_NOT_NUMERIC_HAN})\\s+[Il])$"
)

_CN_DIGIT = {
    "〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "0": 0,
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_RUN = re.compile("[〇零○Oo0一二两三四五六七八九十廿卅]+")
_CN_ONLY = set("〇零○一二两三四五六七八九十廿卅")
_CN_TENS = re.compile("([一二两三四五六七八九])?十([一二三四五六七八九])?")
_CN_TWENTIES = re.compile("([廿卅])([一二三四五六七八九])?")

# Letters an OCR engine reads for a handwritten 0 or 1.
_DIGIT_CONFUSIONS = {"O": "0", "o": "0", "○": "0", "l": "1", "I": "1", "|": "1", "丨": "1"}


def normalize_text(raw: str) -> str:
    """Clean an OCR read: NFKC-ish half-width forms, no spaces beside Chinese, no border bits."""
    text = "".join(
        part if part in _KEEP_FULLWIDTH else unicodedata.normalize("NFKC", part)
        for part in _KEEP_SPLIT.split(raw)
    )
    # Zero-width spaces, BOMs and direction marks are format characters (Cf).
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _strip_borders(_SPACES.sub(" ", text).strip())
    # Borders go first: a lone `I`/`l` is only recognizable while its space is still there.
    return _strip_borders(_SPACE_BY_CJK.sub("", text))


_CLAUSE_DOT = re.compile("(?<=[\u4e00-\u9fff])\\s*[·•・‧]\\s*(?=[\u4e00-\u9fff])")


def clause_commas(text: str) -> str:
    """A dot written between two Chinese clauses of free text is a comma (`联系·反映` →
    `联系，反映`): the middle dot only separates the parts of a name, never clauses."""
    return _CLAUSE_DOT.sub("，", text)


def _strip_borders(text: str) -> str:
    """Drop border and underline bits at both ends, repeatedly (`| [ 张三 ] |`)."""
    while True:
        stripped = _TRAILING_BORDER.sub("", _LEADING_BORDER.sub("", text)).strip()
        if stripped == text:
            return text
        text = stripped


def strip_label(raw: str, labels: Iterable[str]) -> str:
    """Normalize a read and drop a printed label at its start (`年度：`, `年度:`, `年度`).

    The longest matching label wins; OCR may read its colon as `:`, `：`, `;` or `.`.
    """
    text = normalize_text(raw)
    for label in sorted(labels, key=len, reverse=True):
        chars = [re.escape(c) for c in label if not c.isspace()]
        if not chars:
            continue
        match = re.match(r"\s*".join(chars) + r"\s*[:：;；.,，、]?", text)
        if match:
            return normalize_text(text[match.end() :])
    return text


def chinese_numerals_to_digits(text: str) -> str:
    """Rewrite runs of Chinese numerals as Arabic digits: 二〇一四 → 2014, 三十一 → 31.

    Runs with 十/廿/卅 are read as a number up to 99, other runs digit by digit
    (how years are written); a run that fits neither shape is left as it is.
    """

    def convert(match: re.Match[str]) -> str:
        run = match.group()
        if not any(c in _CN_ONLY for c in run):
            return run
        if tens := _CN_TENS.fullmatch(run):
            high = _CN_DIGIT[tens.group(1)] if tens.group(1) else 1
            low = _CN_DIGIT[tens.group(2)] if tens.group(2) else 0
            return str(10 * high + low)
        if twenties := _CN_TWENTIES.fullmatch(run):
            high = 2 if twenties.group(1) == "廿" else 3
            low = _CN_DIGIT[twenties.group(2)] if twenties.group(2) else 0
            return str(10 * high + low)
        if any(c in "十廿卅" for c in run):
            return run
        return "".join(str(_CN_DIGIT[c]) for c in run)

    return _CN_RUN.sub(convert, text)


def fix_digit_confusions(text: str, *, anchors: str = "") -> str:
    """Read O/o/○ as 0 and l/I/|/丨 as 1 where they touch a digit (or an anchor character).

    Chains such as `2OO4` resolve because a fixed letter is a digit for its neighbours.
    """
    chars = list(text)
    changed = True
    while changed:
        changed = False
        for i, c in enumerate(chars):
            if c not in _DIGIT_CONFUSIONS:
                continue
            neighbours = chars[max(0, i - 1) : i] + chars[i + 1 : i + 2]
            if any((n.isascii() and n.isdigit()) or n in anchors for n in neighbours):
                chars[i] = _DIGIT_CONFUSIONS[c]
                changed = True
    return "".join(chars)
