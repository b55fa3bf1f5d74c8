"""The tally a generated batch should give, computed from its ground truth alone.

Written apart from `records/tally.py` (it reads `truth.jsonl`, `roster.csv` and the rules
as the API shows them), so comparing the two checks ingest, review and the tally together.
Used by the end-to-end test and `benchmarks/bench_tally.py`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

MANNERS = ("visit", "phone", "other")


@dataclass(frozen=True)
class ExpectedContact:
    contact_no: int
    registered: bool
    card: bool
    visits: int = 0
    phone_calls: int = 0
    other: int = 0


@dataclass(frozen=True)
class ExpectedMember:
    code: str
    status: str  # met | not_met (every page is confirmed at the end of a replay)
    reasons: tuple[str, ...]
    contacts_registered: int
    total_visits: int
    contacts: tuple[ExpectedContact, ...] = field(default=())


def all_truths(batch_dir: Path) -> list[dict[str, Any]]:
    """Every line of `truth.jsonl`, a byte-identical copy's pages included (ingest stores
    whichever of the two files it meets first)."""
    lines = (batch_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_truths(batch_dir: Path) -> list[dict[str, Any]]:
    """The truth of every distinct page (a byte-identical copy adds nothing)."""
    manifest = json.loads((batch_dir / "manifest.json").read_text(encoding="utf-8"))
    copies = {f["file"] for f in manifest["files"] if f.get("duplicate_of")}
    return [t for t in all_truths(batch_dir) if t["source"]["file"] not in copies]


def truth_values(truth: Mapping[str, Any]) -> dict[str, Any]:
    """Flat `key → value` of a page's truth (`rows.3.date`, `contacts.2.phone`, …)."""
    out = {k: v["value"] for k, v in truth.get("fields", {}).items()}
    for group in ("rows", "contacts"):
        for row in truth.get(group) or []:
            for name, cell in row.items():
                if name != "no":
                    out[f"{group}.{row['no']}.{name}"] = cell["value"]
    return out


def roster_codes(batch_dir: Path) -> list[str]:
    with (batch_dir / "roster.csv").open(encoding="utf-8", newline="") as fh:
        return [row["委员编号"] for row in csv.DictReader(fh)]


def expected_tally(
    batch_dir: Path,
    *,
    year: int,
    received: date,
    rules: Mapping[str, Any],
    leave_out: Collection[tuple[str, int]] = (),
) -> dict[str, ExpectedMember]:
    """Per member code, what the tally must say once every form is confirmed as written.

    ``received`` is the day the batch reached the office; ``rules`` is the `rules` object of
    the API's tally (min_contacts, min_visits_per_contact, deadlines, late_* flags);
    ``leave_out`` names pages (file, page) that could not be confirmed.
    """
    truths = [
        t
        for t in load_truths(batch_dir)
        if (t["source"]["file"], t["source"]["page"]) not in leave_out
    ]
    forms_r = {t["member_code"]: t for t in truths if t["form"] == "registration"}
    cards: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for t in truths:
        if t["form"] == "service_card":
            cards.setdefault((t["member_code"], t["contact_no"]), []).append(t)
    return {
        code: _member(code, forms_r.get(code), cards, year, received, rules)
        for code in roster_codes(batch_dir)
    }


def _member(
    code: str,
    form_r: dict[str, Any] | None,
    cards: dict[tuple[str, int], list[dict[str, Any]]],
    year: int,
    received: date,
    rules: Mapping[str, Any],
) -> ExpectedMember:
    registered = sorted(
        int(row["no"]) for row in (form_r or {}).get("contacts") or [] if row["name"]["value"]
    )
    numbers = sorted(set(registered) | {no for (c, no) in cards if c == code})
    contacts = []
    for no in numbers:
        found = cards.get((code, no), [])
        counts = dict.fromkeys(MANNERS, 0)
        for row in found[0]["rows"] if found else []:
            day, manner = row["date"]["value"], row["manner"]["value"]
            if day and manner in counts and date.fromisoformat(day).year == year:
                counts[manner] += 1
        contacts.append(
            ExpectedContact(no, no in registered, bool(found), counts["visit"], counts["phone"],
                            counts["other"])
        )  # fmt: skip
    late_card = received > date.fromisoformat(rules["card_deadline"]) and rules["late_card_fails"]
    late_r = received > date.fromisoformat(rules["registration_deadline"])
    reasons = []
    if form_r is None:
        reasons.append("登记表未收到")
    if len(registered) < rules["min_contacts"]:
        reasons.append(f"仅登记 {len(registered)} 名联系对象")
    if form_r is not None and late_r and rules["late_registration_fails"]:
        reasons.append(f"登记表逾期（{received.month}月{received.day}日收到）")
    for c in contacts:
        if not c.registered:
            continue
        if not c.card:
            reasons.append(f"联系对象 {c.contact_no} 服务卡未收到")
            continue
        if late_card:
            reasons.append(
                f"联系对象 {c.contact_no} 服务卡逾期（{received.month}月{received.day}日收到）"
            )
        if c.visits < rules["min_visits_per_contact"]:
            reasons.append(f"联系对象 {c.contact_no} 上门走访仅 {c.visits} 次")
    return ExpectedMember(
        code=code,
        status="not_met" if reasons else "met",
        reasons=tuple(reasons),
        contacts_registered=len(registered),
        total_visits=sum(c.visits for c in contacts),
        contacts=tuple(contacts),
    )


def compare(expected: Mapping[str, ExpectedMember], members: list[dict[str, Any]]) -> list[str]:
    """Differences between the expected tally and the API's members (`MemberTallyPublic`
    dicts, with contacts); [] when equal, member by member."""
    got = {m["code"]: m for m in members}
    problems = [f"{code}: missing from the tally" for code in expected if code not in got]
    problems += [f"{code}: not on the roster" for code in got if code not in expected]
    for code, want in expected.items():
        have = got.get(code)
        if have is None:
            continue
        for name in ("status", "contacts_registered", "total_visits"):
            if have[name] != getattr(want, name):
                problems.append(f"{code}: {name} {have[name]!r} != {getattr(want, name)!r}")
        if tuple(have["reasons"]) != want.reasons:
            problems.append(f"{code}: reasons {have['reasons']} != {list(want.reasons)}")
        contacts = {c["contact_no"]: c for c in have["contacts"]}
        for c in want.contacts:
            h = contacts.get(c.contact_no)
            seen = None if h is None else (
                h["registered"], h["state"] == "in", h["visits"], h["phone_calls"], h["other"]
            )  # fmt: skip
            wanted = (c.registered, c.card, c.visits, c.phone_calls, c.other)
            if seen != wanted:
                problems.append(f"{code} contact {c.contact_no}: {seen} != {wanted}")
    return problems
