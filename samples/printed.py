"""Forms printed by cardscan (`forms/pdf.py`), rasterized by poppler, then filled by hand.

The sheet is the PDF page as a printer puts it on paper, at a chosen dpi; the cells come
from the printed layout (`forms/geometry.py`) at that dpi. What the person writes (rows of
visits; on a blank card also the header) and the truth of the page follow `samples.pages`.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from pdf2image import convert_from_path

from forms.geometry import FormGeometry, registration, service_card
from forms.pdf import CardPrint, RegistrationPrint
from samples.content import Contact, Member, Visit
from samples.handwriting import random_writer
from samples.layout import FlatForm
from samples.pages import (
    FilledSheet,
    truth_field,
    write_card_header,
    write_contact_rows,
    write_record_rows,
)
from samples.paper import tint_paper
from samples.printing import Box


def rasterize(pdf: Path, dpi: int) -> list[np.ndarray]:
    """Every page of a PDF as an 8-bit grey sheet at ``dpi`` (poppler's pdftoppm)."""
    return [np.asarray(page) for page in convert_from_path(str(pdf), dpi=dpi, grayscale=True)]


def layout_cells(geometry: FormGeometry, dpi: int) -> dict[str, Box]:
    """The layout's field cells in pixels of a sheet rasterized at ``dpi``."""
    return {key: rect.px(dpi) for key, rect in geometry.cells.items()}


def _flat_form(sheet: np.ndarray, geometry: FormGeometry, dpi: int) -> FlatForm:
    boxes = {
        i: (boxes[0].px(dpi), boxes[1].px(dpi), boxes[2].px(dpi))
        for i, boxes in geometry.manner_boxes.items()
    }
    return FlatForm(geometry.form, sheet, cells=layout_cells(geometry, dpi), manner_boxes=boxes)


def fill_printed_card(
    rng: random.Random,
    sheet: np.ndarray,
    dpi: int,
    card: CardPrint,
    member: Member,
    contact: Contact,
    visits: list[Visit],
) -> FilledSheet:
    """A printed card after a year in the contact's hands: visits written, ticked and signed.

    A personalized card has its header and year printed; on a blank generic card the
    member writes the header (the year is printed when the card was printed with one).
    """
    form = _flat_form(sheet, service_card(), dpi)
    canvas = np.repeat(sheet[:, :, None], 3, axis=2)
    member_hand, contact_hand = random_writer(rng), random_writer(rng)
    year = card.year
    fields = {"year": truth_field(year, str(year) if year else None)}
    printed = card.values()
    if printed:
        truth = {
            "member_name": member.name,
            "sector": member.sector,
            "member_phone": member.phone,
            "contact_name": contact.name,
            "contact_phone": contact.phone,
            "committee": member.committee,
        }
        for key, value in truth.items():
            fields[key] = truth_field(value, printed.get(key))
    else:
        fields.update(write_card_header(canvas, form, member, contact, member_hand, rng))
    rows = write_record_rows(canvas, form, visits, contact, contact_hand, rng)
    code = card.code
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


def fill_printed_registration(
    rng: random.Random,
    sheet: np.ndarray,
    dpi: int,
    form: RegistrationPrint,
    member: Member,
    contacts: list[Contact],
) -> FilledSheet:
    """A printed form R back from the member: own details printed, the contacts written."""
    flat = _flat_form(sheet, registration(), dpi)
    canvas = np.repeat(sheet[:, :, None], 3, axis=2)
    hand = random_writer(rng)
    printed = form.values()
    truth = {
        "member_name": member.name,
        "sector": member.sector,
        "member_phone": member.phone,
        "committee": member.committee,
    }
    fields = {key: truth_field(value, printed.get(key)) for key, value in truth.items()}
    rows = write_contact_rows(canvas, flat, contacts, hand, rng)
    return FilledSheet(
        "registration",
        tint_paper(canvas, rng),
        dict(flat.cells),
        form.code,
        member.code,
        None,
        fields,
        contacts=rows,
    )
