"""`cardscan tally`: the year's visit tally and assessment as CSV, XLSX or JSON."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli_common import EXIT_USAGE, err_console
from api.settings import load_settings
from records.db import init_db, make_engine, session_scope


def tally(
    year: Annotated[int | None, typer.Option(help="the year (default: this year)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx | json")] = "csv",
    output: Annotated[Path | None, typer.Option(help="file to write (default stdout)")] = None,
    committee: Annotated[str | None, typer.Option(help="only this 政协工委's members")] = None,
    view: Annotated[
        str,
        typer.Option(
            help="CSV table: members | contacts | sectors | committees | standing | missing"
        ),
    ] = "members",
) -> None:
    """Tally each member's confirmed visits and assess them (达标 / 未达标 / 待审核).

    XLSX has one sheet per view (委员, 联系对象, 界别, 政协工委, 常委, 缺卡清单, 说明); the
    export is recorded in the audit trail (actor "cli").
    """
    from records.assessment_rules import RulesError
    from records.audit import record_event
    from records.tally import tally_year
    from records.tally_export import TALLY_FORMATS, VIEWS, tally_file

    if fmt not in TALLY_FORMATS:
        err_console.print(f"unknown format {fmt!r}; use one of: {', '.join(TALLY_FORMATS)}")
        raise typer.Exit(EXIT_USAGE)
    if view not in VIEWS:
        err_console.print(f"unknown view {view!r}; use one of: {', '.join(VIEWS)}")
        raise typer.Exit(EXIT_USAGE)
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        err_console.print("XLSX is binary: give --output FILE (or redirect stdout)")
        raise typer.Exit(EXIT_USAGE)
    year = year or date.today().year
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        try:
            result = tally_year(session, year, committee=committee, rules_dir=settings.rules_dir)
        except RulesError as e:
            err_console.print(str(e))
            raise typer.Exit(EXIT_USAGE) from e
        data = tally_file(result, fmt, view)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
        record_event(
            session,
            actor="cli",
            action="export",
            detail={
                "kind": "tally",
                "year": year,
                "format": fmt,
                "view": view if fmt == "csv" else None,
                "committee": committee,
                "members": len(result.members),
                "rules_version": result.rules.version,
                "masked": False,
            },
        )
    engine.dispose()
    overall = result.overall
    err_console.print(
        f"{year} 年度 {overall.members} 名委员：达标 {overall.met}，未达标 {overall.not_met}，"
        f"待审核 {overall.pending}（规则 {result.rules.version}）"
        + (f"；已写入 {output}" if output else "")
    )
