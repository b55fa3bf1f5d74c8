"""Filled sheets: a printed form plus handwriting, with the truth of what was written.

A `FilledSheet` is still flat (300 dpi, untilted); `samples.scanner` turns it into a scan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forms import spec
from samples.content import (
    Contact,
    Member,
    Visit,
    committee_raw,
    date_raw,
    phone_raw,
    pick_date_style,
    sector_raw,
)
from samples.handwriting import Writer, draw_tick, random_writer, write_in_cell, write_signature
from samples.layout import FlatForm, draw_registration, draw_service_card, random_print_style
from samples.paper import tint_paper
from samples.printing import Box

Field = dict[str, Any]


@dataclass
class FilledSheet:
    """A flat sheet ready to scan, and the ground truth of its page (geometry added later)."""

    form: str
    image: np.ndarray
    cells: dict[str, Box] = field(default_factory=dict)
    card_code: str | None = None
    member_code: str | None = None
    contact_no: int | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    rows: list[dict[str, Any]] | None = None
    contacts: list[dict[str, Any]] | None = None


def truth_field(value: Any, raw: str | None) -> Field:
    return {"value": value, "raw": raw, "confidence": 1.0}


def _write(canvas: np.ndarray, form: FlatForm, key: str, value: Any, raw: str | None,
           writer: Writer, rng: random.Random) -> Field:
    if raw:
        write_in_cell(canvas, form.cells[key], raw, writer, rng)
    return truth_field(value if raw else None, raw or None)


def _rgb(form: FlatForm) -> np.ndarray:
    return np.repeat(form.image[:, :, None], 3, axis=2)


def fill_service_card(rng: random.Random, member: Member, contact: Contact, visits: list[Visit],
                      year: int, *, with_code: bool) -> FilledSheet:
    """Form S: the member fills the header, the contact writes each visit and signs it."""
    code = f"SC1|{year}|{member.code}|{contact.no}" if with_code else None
    year_printed = with_code or rng.random() < 0.3
    form = draw_service_card(rng, random_print_style(rng), year=year, year_printed=year_printed,
                             card_code=code)
    canvas = _rgb(form)
    member_hand, contact_hand = random_writer(rng), random_writer(rng)
    if year_printed:
        fields = {"year": truth_field(year, str(year))}
    else:
        raw_year = str(year) if rng.random() < 0.8 else f"{year}年"
        fields = {"year": _write(canvas, form, "year", year, raw_year, member_hand, rng)}
    fields.update(write_card_header(canvas, form, member, contact, member_hand, rng))
    rows = write_record_rows(canvas, form, visits, contact, contact_hand, rng)
    return FilledSheet(
        "service_card",
        tint_paper(canvas, rng),
        dict(form.cells),
        code,
        member.code,
        contact.no,
        fields,
        rows=rows,
    )


def write_card_header(
    canvas: np.ndarray,
    form: FlatForm,
    member: Member,
    contact: Contact,
    hand: Writer,
    rng: random.Random,
) -> dict[str, Field]:
    """The member writes their own details and the contact's in the card's header table."""
    header = {
        "member_name": (member.name, member.name),
        "sector": (member.sector, sector_raw(member.sector, rng)),
        "member_phone": (member.phone, phone_raw(member.phone, rng)),
        "contact_name": (contact.name, contact.name),
        "contact_phone": (contact.phone, phone_raw(contact.phone, rng)),
        "committee": (member.committee, committee_raw(member.committee, rng)),
    }
    fields = {}
    for key, (value, raw) in header.items():
        blank = key.endswith("phone") and rng.random() < 0.04
        fields[key] = _write(canvas, form, key, value, None if blank else raw, hand, rng)
    return fields


def write_record_rows(
    canvas: np.ndarray,
    form: FlatForm,
    visits: list[Visit],
    contact: Contact,
    hand: Writer,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """The contact writes each visit in a row (date style and tick style of their own)."""
    style = pick_date_style(rng)
    mark = rng.choices(("check", "cross", "fill"), (7, 2, 1))[0]
    rows = []
    for i in range(1, spec.S_RECORD_ROWS + 1):
        if i <= len(visits):
            rows.append(
                _write_visit(canvas, form, i, visits[i - 1], contact, hand, rng, style, mark)
            )
        else:
            rows.append(
                {
                    "no": i,
                    "date": truth_field(None, None),
                    "manner": truth_field(None, None),
                    "content": truth_field(None, None),
                    "signed": truth_field(False, None),
                }
            )
    return rows


def _write_visit(
    canvas: np.ndarray,
    form: FlatForm,
    i: int,
    visit: Visit,
    contact: Contact,
    writer: Writer,
    rng: random.Random,
    style: str,
    mark: str,
) -> dict[str, Any]:
    """One record row: date in the writer's usual style (sometimes another), tick, text, name."""
    if rng.random() < 0.15:
        style = pick_date_style(rng)
    raw_date = date_raw(visit.date, style)
    write_in_cell(canvas, form.cells[f"rows.{i}.date"], raw_date, writer, rng)
    box_index = spec.S_MANNER_VALUES.index(visit.manner)
    draw_tick(canvas, form.manner_boxes[i][box_index], mark, writer, rng)
    write_in_cell(canvas, form.cells[f"rows.{i}.content"], visit.content, writer, rng)
    if visit.signed:
        write_signature(canvas, form.cells[f"rows.{i}.signed"], contact.name, writer, rng)
    return {
        "no": i,
        "date": truth_field(visit.date.isoformat(), raw_date),
        "manner": truth_field(visit.manner, spec.S_MANNER_BOXES[box_index]),
        "content": truth_field(visit.content, visit.content),
        "signed": truth_field(visit.signed, contact.name if visit.signed else None),
    }


def fill_registration(rng: random.Random, member: Member, contacts: list[Contact], year: int,
                      *, with_code: bool) -> FilledSheet:
    """Form R: the member writes their own details and the 5–6 contacts."""
    code = f"RT1|{year}|{member.code}" if with_code else None
    form = draw_registration(rng, random_print_style(rng), card_code=code)
    canvas = _rgb(form)
    hand = random_writer(rng)
    fields = {
        "member_name": _write(canvas, form, "member_name", member.name, member.name, hand, rng),
        "sector": _write(canvas, form, "sector", member.sector, sector_raw(member.sector, rng),
                         hand, rng),
        "member_phone": _write(canvas, form, "member_phone", member.phone,
                               phone_raw(member.phone, rng), hand, rng),
        "committee": _write(canvas, form, "committee", member.committee,
                            committee_raw(member.committee, rng), hand, rng),
    }
    rows = write_contact_rows(canvas, form, contacts, hand, rng)
    return FilledSheet(
        "registration",
        tint_paper(canvas, rng),
        dict(form.cells),
        code,
        member.code,
        None,
        fields,
        contacts=rows,
    )


def write_contact_rows(
    canvas: np.ndarray, form: FlatForm, contacts: list[Contact], hand: Writer, rng: random.Random
) -> list[dict[str, Any]]:
    """The member writes each contact in the row of its number (name, phone, address)."""
    rows = []
    by_no = {c.no: c for c in contacts}
    for i in range(1, spec.R_CONTACT_ROWS + 1):
        c = by_no.get(i)
        written = {"name": (c.name, c.name), "phone": (c.phone, phone_raw(c.phone, rng)),
                   "address": (c.address, c.address)} if c else {}
        row: dict[str, Any] = {"no": i}
        for key in spec.R_CONTACT_FIELDS:
            value, raw = written.get(key, (None, None))
            row[key] = _write(canvas, form, f"contacts.{i}.{key}", value, raw, hand, rng)
        rows.append(row)
    return rows
