"""What a page says checked against what is on record: phones and the sector and committee
of the linked member (roster), a card's contact phone against its form R.

A match confirms the read; a phone a digit or two off the roster is a misread and takes the
roster's number; anything else is a question for a reviewer. Fields a reviewer set stay.
"""

from __future__ import annotations

from forms.vocabulary import SECTORS
from ocr.confidence import field_confidence, needs_review
from ocr.parse import normalize_text, parse_phone, snap_vocabulary
from records.models import Field

REVIEWER = "reviewer"
"""The engine name of a value a person set: never overwritten by a machine."""
PHONE_SNAP_DIGITS = 2
"""A read this many digits away from a roster phone of the same length is that phone."""
PHONE_SNAP_FACTOR = 0.9
DISAGREE_FACTOR = 0.5


def check_phone(field: Field | None, known: str | None, *, trusted: bool) -> None:
    """Compare a written phone with the one on record: agreement confirms the read, a digit
    or two off on the roster is a misread (the roster's number is taken), more is a question."""
    if field is None or field.engine == REVIEWER or not field.raw:
        return
    ocr = float(field.ocr_confidence or 0.0)
    parsed = parse_phone(normalize_text(field.raw))
    if not known:  # nothing on record to compare with: the page's own read stands
        field.value, field.note = parsed.value, parsed.note
        field.confidence = field_confidence("phone", ocr=ocr, parsed=parsed)
        field.needs_review = needs_review("phone", field.confidence)
        return
    read = _digits(parsed.value if isinstance(parsed.value, str) else field.raw)
    target = _digits(known)
    if read in (target, target.removeprefix("0523")):
        confidence, value, note = (
            field_confidence("phone", ocr=ocr, parsed=parsed),
            parsed.value,
            "agrees_with_record",
        )
    elif trusted and _digits_apart(read, target) <= PHONE_SNAP_DIGITS:
        confidence, value, note = ocr * PHONE_SNAP_FACTOR, known, "snapped_to_roster"
    else:
        confidence = field_confidence("phone", ocr=ocr, parsed=parsed) * DISAGREE_FACTOR
        value, note = parsed.value, "differs_from_record"
    field.value, field.confidence, field.note = value, confidence, note
    field.needs_review = needs_review("phone", confidence)


def check_vocabulary(
    field: Field | None, known: str | None, table: dict[str, tuple[str, ...]]
) -> None:
    """A sector or committee that differs from the member's roster entry is a question."""
    if field is None or field.engine == REVIEWER or not field.raw:
        return
    kind = "sector" if table is SECTORS else "committee"
    parsed = snap_vocabulary(normalize_text(field.raw), table)
    confidence = field_confidence(kind, ocr=float(field.ocr_confidence or 0.0), parsed=parsed)
    field.note = parsed.note
    if known and parsed.value != known:
        confidence *= DISAGREE_FACTOR
        field.note = "differs_from_record"
    field.value, field.confidence = parsed.value, confidence
    field.needs_review = needs_review(kind, confidence)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _digits_apart(a: str, b: str) -> int:
    """Digits that differ between two numbers of the same length (a local number matched
    against its 0523 form); different lengths are far apart."""
    if len(a) != len(b) and len(b) == 12 and b.startswith("0523"):
        b = b[4:]
    if len(a) != len(b):
        return len(a) + len(b)
    return sum(x != y for x, y in zip(a, b, strict=True))
