"""`cardscan print`: next year's forms as PDFs, personalized with card codes, or blank."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, TypeVar

import typer
from sqlmodel import Session

from api.cli_common import EXIT_FILES_FAILED, EXIT_USAGE, console, err_console
from api.settings import load_settings
from records.db import init_db, make_engine, session_scope

if TYPE_CHECKING:
    from records.printing import PrintSelection

T = TypeVar("T")

print_app = typer.Typer(help="打印表卡 Print forms S and R (PDF, 100 % scale) for a year.")

YearOption = Annotated[int, typer.Option(min=2000, max=2999, help="the year the forms are for")]
OutputOption = Annotated[Path, typer.Option(help="PDF file to write")]
BlankOption = Annotated[
    bool, typer.Option("--blank", help="one generic form: no code, no personal data")
]


@print_app.command("cards")
def print_cards(
    year: YearOption,
    output: OutputOption,
    member: Annotated[str | None, typer.Option(help="only this member (委员编号)")] = None,
    committee: Annotated[str | None, typer.Option(help="only this 政协工委")] = None,
    blank: BlankOption = False,
) -> None:
    """Service cards (A5 landscape): one per registered contact, with its card code."""
    from forms.pdf import CardPrint, write_cards
    from records.printing import PrintSelection, cards_to_print

    if blank:
        _refuse_filters_with_blank(member, committee)
        pages = _write(output, lambda out: write_cards([CardPrint(year=year)], out))
        _audit("service_card", PrintSelection(year), pages, blank=True)
        console.print(f"空白服务卡 blank service card: {pages} page → {output}")
        return
    selection = PrintSelection(year, member, committee)
    run = _select(lambda session: cards_to_print(session, selection))
    if run.members_without_contacts:
        err_console.print(
            f"{len(run.members_without_contacts)} 名委员尚无已确认的登记表，未打印服务卡 "
            f"members without a confirmed form R (no card printed): "
            + ", ".join(run.members_without_contacts)
        )
    if not run.cards:
        err_console.print("没有可打印的服务卡 no card to print")
        raise typer.Exit(EXIT_FILES_FAILED)
    pages = _write(output, lambda out: write_cards(run.cards, out))
    _audit("service_card", selection, pages, blank=False)
    console.print(f"服务卡 service cards: {pages} pages → {output}")


@print_app.command("registration")
def print_registration(
    year: YearOption,
    output: OutputOption,
    member: Annotated[str | None, typer.Option(help="only this member (委员编号)")] = None,
    committee: Annotated[str | None, typer.Option(help="only this 政协工委")] = None,
    blank: BlankOption = False,
) -> None:
    """Registration tables (A4 portrait): one per roster member, with the member's details."""
    from forms.pdf import RegistrationPrint, write_registrations
    from records.printing import PrintSelection, registrations_to_print

    if blank:
        _refuse_filters_with_blank(member, committee)
        pages = _write(output, lambda out: write_registrations([RegistrationPrint(year)], out))
        _audit("registration", PrintSelection(year), pages, blank=True)
        console.print(f"空白登记表 blank registration table: {pages} page → {output}")
        return
    selection = PrintSelection(year, member, committee)
    forms = _select(lambda session: registrations_to_print(session, selection))
    pages = _write(output, lambda out: write_registrations(forms, out))
    _audit("registration", selection, pages, blank=False)
    console.print(f"登记表 registration tables: {pages} pages → {output}")


def _refuse_filters_with_blank(member: str | None, committee: str | None) -> None:
    if member is not None or committee is not None:
        err_console.print("--blank 打印通用空白表，不能同时指定 --member 或 --committee "
                          "(a blank form is generic: no --member or --committee)")
        raise typer.Exit(EXIT_USAGE)


def _select(query: Callable[[Session], T]) -> T:
    """Run a selection in a session; a selection error is the user's, with its fix."""
    from records.printing import PrintSelectionError

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    try:
        with session_scope(engine) as session:
            return query(session)
    except PrintSelectionError as e:
        err_console.print(f"{e.message} ({e.message_en})")
        raise typer.Exit(EXIT_USAGE) from e
    finally:
        engine.dispose()


def _write(output: Path, render: Callable[[BinaryIO], int]) -> int:
    """Render to a temporary name, then rename: a half-written PDF is never left behind."""
    from forms.pdf import FontMissingError

    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.part")
    try:
        with partial.open("wb") as out:
            pages = render(out)
    except FontMissingError as e:
        partial.unlink(missing_ok=True)
        err_console.print(str(e))
        raise typer.Exit(EXIT_FILES_FAILED) from e
    partial.replace(output)
    return pages


def _audit(form: str, selection: PrintSelection, pages: int, *, blank: bool) -> None:
    """The printed PDFs carry personal data: every run is in the audit trail (no data)."""
    from records.audit import record_event

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        record_event(
            session,
            actor="cli",
            action="print_forms",
            detail={"form": form, "filters": selection.as_json(), "pages": pages, "blank": blank},
        )
    engine.dispose()
