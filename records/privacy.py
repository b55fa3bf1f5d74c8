"""Masking of personal data for roles and exports that do not need it.

Phones keep their first three and last four digits (`139****5678`); addresses
keep their first characters (the town), the rest starred. Names stay: the
office works with them. Which fields are personal is decided by field kind.
"""

from __future__ import annotations

from typing import Any

from forms.spec import field_kind

MASKED_KINDS = frozenset({"phone"})
ADDRESS_SUFFIX = ".address"
ADDRESS_KEEP = 3


def mask_phone(phone: str) -> str:
    """`13912345678` → `139****5678`, `0523-84812345` → `0523-****2345`."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 7:
        return "*" * len(phone)
    if phone.startswith("0523-"):
        return "0523-****" + "".join(digits[-4:])
    return "".join(digits[:3]) + "****" + "".join(digits[-4:])


def mask_address(address: str) -> str:
    """Keep the first characters (the town or street), star the rest."""
    keep = address[:ADDRESS_KEEP]
    return keep + "*" * max(0, len(address) - ADDRESS_KEEP)


def is_personal(key: str) -> bool:
    """Fields that are masked for roles without access to personal data."""
    return key.endswith(ADDRESS_SUFFIX) or field_kind(key) in MASKED_KINDS


def mask_value(key: str, value: Any) -> Any:
    """The value of field ``key`` as a role without access to personal data sees it."""
    if not isinstance(value, str) or not value or not is_personal(key):
        return value
    return mask_address(value) if key.endswith(ADDRESS_SUFFIX) else mask_phone(value)
