"""Snap a sector (界别) or committee (政协工委) read to the canonical name of its closed list.

People write the full name, an abbreviation or an alias (vocabulary.md); OCR adds
misread, dropped and extra characters. The lists come from `forms.vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from ocr.parse.text import normalize_text
from ocr.parse.types import Parsed

# Indel similarity is 2·common / (len a + len b). At 0.6 a read still snaps with one
# misread character in a 3+-character name (3 chars: 0.67, 4 chars: 0.75) or one
# character dropped or added (2→3 chars: 0.8); one misread character of a 2-character
# name (0.5) does not, since 民盟/民革/民建/民进 differ in just that character.
VOCABULARY_THRESHOLD = 0.6

_PUNCTUATION = re.compile(r"[\W_]+")
_SECTOR_SUFFIX = "界"


def snap_vocabulary(raw: str, table: Mapping[str, Sequence[str]]) -> Parsed:
    """The canonical name whose own name or alias best matches the read.

    `margin` is taken against the best name of a *different* canonical entry, so a
    read that sits between two entries (a tie) is not valid ("ambiguous").
    """
    read = _key(normalize_text(raw))
    if not read:
        return Parsed(value=None, valid=False, similarity=0.0, margin=0.0, note="empty")
    if not table:
        return Parsed(value=None, valid=False, similarity=0.0, margin=0.0, note="no_candidates")
    scores = {
        canonical: max(_similarity(read, _key(name)) for name in (canonical, *aliases))
        for canonical, aliases in table.items()
    }
    best = max(scores, key=scores.__getitem__)  # first in table order on a tie
    similarity = scores[best]
    others = [score for canonical, score in scores.items() if canonical != best]
    margin = max(0.0, similarity - max(others)) if others else 1.0
    if similarity == 0.0:
        return Parsed(value=None, valid=False, similarity=0.0, margin=margin, note="no_match")
    note = None
    if similarity < VOCABULARY_THRESHOLD:
        note = "no_match"
    elif margin == 0.0:
        note = "ambiguous"
    return Parsed(value=best, valid=note is None, similarity=similarity, margin=margin, note=note)


def _key(text: str) -> str:
    """A name without spaces and punctuation (`江阴-靖江工业园区` → `江阴靖江工业园区`)."""
    return _PUNCTUATION.sub("", text)


def _similarity(read: str, name: str) -> float:
    """Similarity of a read to one list name; 1.0 for a hit up to a trailing 界 (`九三学社界`)."""
    if read.removesuffix(_SECTOR_SUFFIX) == name.removesuffix(_SECTOR_SUFFIX):
        return 1.0
    # 界 ends many sector names, so the match is also scored without it (`农叶` → `农业界`).
    bare = fuzz.ratio(read.removesuffix(_SECTOR_SUFFIX), name.removesuffix(_SECTOR_SUFFIX))
    return max(fuzz.ratio(read, name), bare) / 100
