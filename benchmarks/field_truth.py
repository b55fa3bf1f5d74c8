"""Compare recognized fields with the generator's ground truth (pure functions).

Every field of every form page counts, blank record rows included (a blank
row read as blank is right). Free text is also scored by character error
rate; the manner and signature are scored on written rows too, where the
decision is not trivial.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.spec import field_kind, review_class, row_of
from ocr.parse import normalize_text


@dataclass
class KindScore:
    """Counts for one field kind."""

    total: int = 0
    right: int = 0
    unmarked: int = 0
    unmarked_right: int = 0
    edits: int = 0
    chars: int = 0

    def add(self, right: bool, marked: bool, edits: int = 0, chars: int = 0) -> None:
        self.total += 1
        self.right += right
        if not marked:
            self.unmarked += 1
            self.unmarked_right += right
        self.edits += edits
        self.chars += chars


@dataclass
class Scores:
    """All the figures of one benchmark run."""

    kinds: dict[str, KindScore] = field(default_factory=lambda: defaultdict(KindScore))
    written_rows: dict[str, KindScore] = field(default_factory=lambda: defaultdict(KindScore))
    rows: KindScore = field(default_factory=KindScore)  # blank-row detection
    cards: KindScore = field(default_factory=KindScore)  # member, contact, dates, manners
    codes: KindScore = field(default_factory=KindScore)
    links: KindScore = field(default_factory=KindScore)
    samples: list[dict[str, Any]] = field(default_factory=list)  # for calibration
    wrong: list[str] = field(default_factory=list)

    def overall(self) -> KindScore:
        total = KindScore()
        for score in self.kinds.values():
            total.total += score.total
            total.right += score.right
            total.unmarked += score.unmarked
            total.unmarked_right += score.unmarked_right
        return total


def truth_fields(truth: Mapping[str, Any]) -> dict[str, Any]:
    """Flat `key → value` of a truth record (`rows.3.date`, `contacts.2.phone`)."""
    out = {k: v["value"] for k, v in truth.get("fields", {}).items()}
    for group in ("rows", "contacts"):
        for row in truth.get(group) or []:
            for name, cell in row.items():
                if name != "no":
                    out[f"{group}.{row['no']}.{name}"] = cell["value"]
    return out


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def same_value(kind: str, expected: Any, found: Any) -> bool:
    """Whether a stored value equals the truth (text compared without spaces)."""
    if kind == "signed":
        return bool(expected) == bool(found)
    if kind == "text" and isinstance(expected, str) and isinstance(found, str):
        return _squash(expected) == _squash(found)
    return bool(expected == found)


def score_page(
    scores: Scores,
    truth: Mapping[str, Any],
    stored: Mapping[str, Any],
    *,
    label: str,
    link: tuple[str | None, int | None],
    card_code: str | None,
) -> None:
    """Add one page's fields to ``scores``; ``stored`` maps keys to records.models.Field."""
    expected = truth_fields(truth)
    blank_rows_found: set[int] = set()
    for key, value in expected.items():
        kind = field_kind(key)
        found = stored.get(key)
        got = found.value if found is not None else None
        marked = True if found is None else bool(found.needs_review)
        right = same_value(kind, value, got)
        edits = chars = 0
        if kind in ("text", "name") and isinstance(value, str):
            edits = edit_distance(_squash(value), _squash(got) if isinstance(got, str) else "")
            chars = len(_squash(value))
        scores.kinds[kind].add(right, marked, edits, chars)
        if found is not None:
            scores.samples.append(
                {
                    "kind": review_class(key),
                    "confidence": float(found.confidence),
                    "right": right,
                    "field": f"{label} {key}",
                    "raw": found.raw,
                    "ocr": found.ocr_confidence,
                }
            )
            if found.note == "blank_row" and (row := row_of(key)) and row[0] == "rows":
                blank_rows_found.add(row[1])
        if not right and len(scores.wrong) < 400:
            flag = "" if marked else "  ← NOT MARKED"
            raw = found.raw if found is not None else None
            scores.wrong.append(f"{label} {key}: want {value!r} got {got!r} (raw {raw!r}){flag}")
    if truth["form"] == "service_card":
        _score_rows(scores, truth, stored, blank_rows_found)
        _score_card(scores, truth, stored, link)
    if truth.get("card_code"):
        scores.codes.add(card_code == truth["card_code"], False)
    scores.links.add(link[0] == truth.get("member_code"), False)


def _score_rows(
    scores: Scores, truth: Mapping[str, Any], stored: Mapping[str, Any], blank_found: set[int]
) -> None:
    for row in truth["rows"]:
        blank = row["date"]["value"] is None and row["content"]["value"] is None
        blank = blank and row["manner"]["value"] is None and not row["signed"]["value"]
        scores.rows.add((row["no"] in blank_found) == blank, False)
        if blank:
            continue
        for name in ("manner", "signed"):
            found = stored.get(f"rows.{row['no']}.{name}")
            got = found.value if found is not None else None
            marked = True if found is None else bool(found.needs_review)
            scores.written_rows[name].add(same_value(name, row[name]["value"], got), marked)


def _score_card(
    scores: Scores,
    truth: Mapping[str, Any],
    stored: Mapping[str, Any],
    link: tuple[str | None, int | None],
) -> None:
    ok = link == (truth.get("member_code"), truth.get("contact_no"))
    for row in truth["rows"]:
        for name in ("date", "manner"):
            found = stored.get(f"rows.{row['no']}.{name}")
            ok = ok and found is not None and found.value == row[name]["value"]
    scores.cards.add(ok, False)


def _squash(text: str) -> str:
    return "".join(normalize_text(text).split())


def rate(a: int, b: int) -> str:
    return f"{100 * a / b:6.2f} %" if b else "     – "


def report(scores: Scores, kinds: Iterable[str]) -> list[str]:
    """The per-kind table and the summary lines."""
    lines = [
        f"{'kind':<10} {'fields':>6} {'exact':>9} {'CER':>8} {'not marked':>11} {'right':>9}",
    ]
    for kind in kinds:
        s = scores.kinds.get(kind)
        if not s or not s.total:
            continue
        cer = rate(s.edits, s.chars) if s.chars else "     – "
        lines.append(
            f"{kind:<10} {s.total:>6} {rate(s.right, s.total)} {cer:>8} "
            f"{rate(s.unmarked, s.total):>11} {rate(s.unmarked_right, s.unmarked)}"
        )
    for name, s in scores.written_rows.items():
        lines.append(
            f"{name + '*':<10} {s.total:>6} {rate(s.right, s.total)} {'':>8} "
            f"{rate(s.unmarked, s.total):>11} {rate(s.unmarked_right, s.unmarked)}"
        )
    total = scores.overall()
    lines.append(
        f"{'all':<10} {total.total:>6} {rate(total.right, total.total)} {'':>8} "
        f"{rate(total.unmarked, total.total):>11} {rate(total.unmarked_right, total.unmarked)}"
    )
    lines.append("(* on written record rows only)")
    lines.append(
        f"blank-row detection: {rate(scores.rows.right, scores.rows.total)} "
        f"of {scores.rows.total} rows"
    )
    lines.append(
        f"member link right: {rate(scores.links.right, scores.links.total)} "
        f"of {scores.links.total} form pages"
    )
    lines.append(
        f"card codes read: {rate(scores.codes.right, scores.codes.total)} "
        f"of {scores.codes.total} pages carrying one"
    )
    lines.append(
        f"service cards with member, contact and every row's date and manner right: "
        f"{rate(scores.cards.right, scores.cards.total)} of {scores.cards.total}"
    )
    return lines
