"""What every field parser returns: a normalized value and the facts a confidence model needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parsed:
    """What a parser made of one cell's OCR read.

    `similarity` and `margin` describe a snap to a closed set (vocabulary, roster).
    Parsers that do not snap report similarity 1.0 when the value is valid and 0.0
    when it is not, and margin 1.0, so one confidence model can read every field.
    """

    value: str | int | None  # normalized value; None when nothing usable was read
    valid: bool  # passes the field's rule check (real date in the card's year, ...)
    similarity: float = 1.0  # best candidate's similarity to the read, in [0, 1]
    margin: float = 1.0  # best minus second-best similarity, in [0, 1]
    note: str | None = None  # short machine code of why it is not valid, e.g. "no_match"


def rejected(note: str, value: str | int | None = None) -> Parsed:
    """An invalid result of a non-snap parser, with the reason as a machine code."""
    return Parsed(value=value, valid=False, similarity=0.0, margin=1.0, note=note)


def accepted(value: str | int) -> Parsed:
    """A valid result of a non-snap parser."""
    return Parsed(value=value, valid=True)
