"""Read and write the QR text that system-printed cards carry (FORMS.md, "The card code").

`SC1|<year>|<member_code>|<contact_no>` on a service card, `RT1|<year>|<member_code>`
on a registration table; anything else is not ours and reads as None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = {"service_card": "SC1", "registration": "RT1"}
_YEAR = re.compile(r"20\d\d", re.ASCII)
_CONTACT_NO = re.compile(r"[1-6]", re.ASCII)


@dataclass(frozen=True)
class CardCode:
    """Who a printed card belongs to: its form, year, member and (service cards) contact."""

    kind: str  # "service_card" | "registration"
    year: int
    member_code: str
    contact_no: int | None = None


def parse_card_code(text: str) -> CardCode | None:
    """The card code in a QR text, or None when the text is not a well-formed code."""
    fields = text.strip().split("|")
    version, rest = fields[0], fields[1:]
    number: int | None = None
    if version == "SC1" and len(rest) == 3:
        year, member_code, contact_no = rest
        if not _CONTACT_NO.fullmatch(contact_no):
            return None
        kind, number = "service_card", int(contact_no)
    elif version == "RT1" and len(rest) == 2:
        year, member_code = rest
        kind = "registration"
    else:
        return None
    if not _YEAR.fullmatch(year) or not _is_member_code(member_code):
        return None
    return CardCode(kind=kind, year=int(year), member_code=member_code, contact_no=number)


def format_card_code(code: CardCode) -> str:
    """The QR text of a card code; raises ValueError for a code `parse_card_code` would refuse."""
    if code.kind not in _PREFIX:
        raise ValueError(f"unknown card kind: {code.kind!r}")
    fields = [_PREFIX[code.kind], str(code.year), code.member_code]
    if code.kind == "service_card":
        fields.append(str(code.contact_no))
    elif code.contact_no is not None:
        raise ValueError("a registration code has no contact number")
    text = "|".join(fields)
    if parse_card_code(text) != code:
        raise ValueError(f"not a valid card code: {code!r}")
    return text


def _is_member_code(text: str) -> bool:
    """A roster code such as `JJ0123`: non-empty, printable, no spaces or field separators."""
    return bool(text) and text.isprintable() and not any(c.isspace() or c == "|" for c in text)
