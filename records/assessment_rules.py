"""The assessment rules of one year: how many contacts, how many visits, which deadlines.

The defaults are the policy's (靖协发〔2014〕7号, FORMS.md "Deadlines and targets"): 5–6
contacts per member, at least 3 home visits per contact a year, form R at the office by
15 April, service cards by 30 November. A year can override any of them with a small JSON
file `<year>.json`, looked for first in a directory the installation names
(`CARDSCAN_RULES_DIR`) and then in `records/rules/` shipped with cardscan:

    {"version": "2027-1", "min_contacts": 5, "min_visits_per_contact": 3,
     "registration_deadline": "04-15", "card_deadline": "11-30"}

Deadlines are `MM-DD` (of the rules' year) or a full ISO date. Every tally and export
carries the rules' `version`, so a number can always be read against the rules it used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).resolve().parent / "rules"
"""Rules files shipped with cardscan (package data)."""
POLICY_VERSION = "policy-2014"
"""The version of the defaults taken from the policy text."""


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class AssessmentRules:
    """What a member must do in ``year`` to be assessed 达标 (met)."""

    year: int
    version: str = POLICY_VERSION
    min_contacts: int = 5
    max_contacts: int = 6
    min_visits_per_contact: int = 3
    # `None` means "the policy's day of this year" (15 April, 30 November).
    registration_deadline: date | None = None
    card_deadline: date | None = None
    # Whether arriving after the deadline is a reason for 未达标 (it is always reported).
    late_registration_fails: bool = True
    late_card_fails: bool = True
    source: str = "policy"  # where the rules came from: "policy" or the file's name

    def __post_init__(self) -> None:
        if self.registration_deadline is None:
            object.__setattr__(self, "registration_deadline", date(self.year, 4, 15))
        if self.card_deadline is None:
            object.__setattr__(self, "card_deadline", date(self.year, 11, 30))
        if not 1 <= self.min_contacts <= self.max_contacts <= 6:
            raise RulesError(
                f"联系对象人数规则无效（{self.min_contacts}–{self.max_contacts}）"
                f" / contacts must satisfy 1 <= min <= max <= 6"
            )
        if self.min_visits_per_contact < 0:
            raise RulesError("走访次数不能为负数 / min_visits_per_contact must be >= 0")

    @property
    def registration_due(self) -> date:
        """The day form R must have reached the office."""
        assert self.registration_deadline is not None
        return self.registration_deadline

    @property
    def card_due(self) -> date:
        """The day the service cards must have reached the office."""
        assert self.card_deadline is not None
        return self.card_deadline


def default_rules(year: int) -> AssessmentRules:
    """The policy's rules for ``year``."""
    return AssessmentRules(year=year)


def load_rules(year: int, *, rules_dir: Path | None = None) -> AssessmentRules:
    """The rules of ``year``: ``rules_dir/<year>.json``, else the shipped file, else the
    policy's defaults. A file that exists but cannot be read raises `RulesError`."""
    for folder in (rules_dir, RULES_DIR):
        if folder is None:
            continue
        path = Path(folder) / f"{year}.json"
        if path.is_file():
            return rules_from_file(path, year)
    return default_rules(year)


def rules_from_file(path: Path, year: int) -> AssessmentRules:
    """Read one rules file over the defaults of ``year``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RulesError(f"无法读取考核规则文件 / cannot read rules file {path}: {e}") from e
    if not isinstance(data, dict):
        raise RulesError(f"考核规则文件应为 JSON 对象 / {path}: expected a JSON object")
    return rules_from_mapping(data, year, source=path.name)


def rules_from_mapping(data: dict[str, Any], year: int, *, source: str) -> AssessmentRules:
    """Rules of ``year`` from a mapping of overrides (unknown keys are refused)."""
    known = {f.name for f in fields(AssessmentRules)} - {"year", "source"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RulesError(f"考核规则中有未知项 / {source}: unknown keys {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("registration_deadline", "card_deadline"):
            values[key] = _deadline(value, year, source, key)
        elif key == "version":
            if not isinstance(value, str) or not value.strip():
                raise RulesError(f"{source}: version must be a non-empty string")
            values[key] = value.strip()
        elif key.startswith("late_"):
            if not isinstance(value, bool):
                raise RulesError(f"{source}: {key} must be true or false")
            values[key] = value
        else:
            if not isinstance(value, int) or isinstance(value, bool):
                raise RulesError(f"{source}: {key} must be a whole number")
            values[key] = value
    values.setdefault("version", f"{year}-{source}")
    return replace(default_rules(year), source=source, **values)


def rules_as_json(rules: AssessmentRules) -> dict[str, Any]:
    """The rules as JSON values (what exports and the API show)."""
    return {
        "year": rules.year,
        "version": rules.version,
        "source": rules.source,
        "min_contacts": rules.min_contacts,
        "max_contacts": rules.max_contacts,
        "min_visits_per_contact": rules.min_visits_per_contact,
        "registration_deadline": rules.registration_due.isoformat(),
        "card_deadline": rules.card_due.isoformat(),
        "late_registration_fails": rules.late_registration_fails,
        "late_card_fails": rules.late_card_fails,
    }


def _deadline(value: Any, year: int, source: str, key: str) -> date:
    if not isinstance(value, str):
        raise RulesError(f'{source}: {key} must be a string like "04-15" or "{year}-04-15"')
    try:
        if len(value) == 5:
            return date(year, int(value[:2]), int(value[3:]))
        return date.fromisoformat(value)
    except ValueError as e:
        raise RulesError(f"{source}: {key} {value!r} is not a date: {e}") from e
