"""Downloads of next year's forms as PDFs (the same as `cardscan print`), for the office.

Personalized forms carry names and phones: only roles that may export get them, a user
bound to a committee gets only that committee's members, and every download is an
audit entry (form, filter, pages; never the data).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import Principal, SessionDep, require
from api.errors import AppError, Forbidden, NotFound
from api.permissions import Can
from forms.pdf import CardPrint, RegistrationPrint, write_cards, write_registrations
from records.audit import record_event
from records.printing import (
    PrintSelection,
    PrintSelectionError,
    cards_to_print,
    registrations_to_print,
)

router = APIRouter(prefix="/print", tags=["printing"])
Printer = Annotated[Principal, Depends(require(Can.export))]
PDF = "application/pdf"
T = TypeVar("T")


def print_selection(
    printer: Printer,
    year: Annotated[int, Query(ge=2000, le=2999, description="the year the forms are for")],
    member: Annotated[str | None, Query(description="only this member (委员编号)")] = None,
    committee: Annotated[str | None, Query(description="only this 政协工委")] = None,
) -> PrintSelection:
    """The selection from the query, narrowed to the user's committee when they have one."""
    if printer.committee is not None:
        if committee not in (None, printer.committee):
            raise Forbidden(
                f"您只能打印本工委（{printer.committee}）委员的表卡。",
                f"You may print the forms of your committee ({printer.committee}) only.",
            )
        committee = printer.committee
    return PrintSelection(year=year, member_code=member, committee=committee)


Selection = Annotated[PrintSelection, Depends(print_selection)]
Blank = Annotated[bool, Query(description="one generic form: no code, no personal data")]


@router.get("/cards.pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
def print_cards(
    printer: Printer, selection: Selection, session: SessionDep, blank: Blank = False
) -> Response:
    """Service cards, A5 landscape: one per confirmed contact, with its card code."""
    out = io.BytesIO()
    if blank:
        pages = write_cards([CardPrint(year=selection.year)], out)
    else:
        run = _selected(lambda: cards_to_print(session, selection))
        if not run.cards:
            raise NotFound(
                "所选委员尚无已确认的登记表，没有可打印的服务卡。",
                "No selected member has a confirmed form R: no card to print.",
                code="nothing_to_print",
            )
        pages = write_cards(run.cards, out)
    return _download(printer, session, "service_card", selection, pages, blank, out)


@router.get(
    "/registration.pdf", response_class=Response, responses={200: {"content": {PDF: {}}}}
)
def print_registration(
    printer: Printer, selection: Selection, session: SessionDep, blank: Blank = False
) -> Response:
    """Registration tables, A4 portrait: one per roster member, with the member's details."""
    out = io.BytesIO()
    if blank:
        pages = write_registrations([RegistrationPrint(year=selection.year)], out)
    else:
        forms = _selected(lambda: registrations_to_print(session, selection))
        pages = write_registrations(forms, out)
    return _download(printer, session, "registration", selection, pages, blank, out)


def _selected(query: Callable[[], T]) -> T:
    try:
        return query()
    except PrintSelectionError as e:
        raise AppError(e.message, e.message_en, code=e.code, status=404) from e


def _download(
    printer: Principal,
    session: SessionDep,
    form: str,
    selection: PrintSelection,
    pages: int,
    blank: bool,
    out: io.BytesIO,
) -> Response:
    record_event(
        session,
        actor=printer.name,
        actor_id=printer.id,
        action="print_forms",
        detail={"form": form, "filters": selection.as_json(), "pages": pages, "blank": blank},
    )
    session.commit()
    name = f"{'blank-' if blank else ''}{form.replace('_', '-')}-{selection.year}.pdf"
    return Response(
        out.getvalue(),
        media_type=PDF,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
