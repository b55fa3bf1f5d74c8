"""`cardscan roster`, `cardscan user` and `cardscan retention`: the office and admin commands."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli_common import EXIT_FILES_FAILED, EXIT_USAGE, console, err_console
from api.settings import load_settings
from records.db import init_db, make_engine, session_scope

roster_app = typer.Typer(help="The member roster (委员名单), per year.")


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="roster file: XLSX or CSV (UTF-8 or GBK)")],
    year: Annotated[int | None, typer.Option(help="roster year (default: this year)")] = None,
) -> None:
    """Add or update members by 委员编号, then link the cards still in review again."""
    from records.linking import relink_year
    from records.roster import import_roster_rows
    from records.roster_file import RosterFileError, read_roster

    try:
        read = read_roster(file)
    except RosterFileError as e:
        err_console.print(str(e))
        raise typer.Exit(EXIT_FILES_FAILED) from e
    for error in read.errors:
        err_console.print(error.message)
    year = year or date.today().year
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        result = import_roster_rows(session, year=year, rows=read.rows)
        relinked = relink_year(session, year)
    engine.dispose()
    console.print(
        f"{year} 年名单 roster: 新增 added {result.added}, 更新 updated {result.updated}, "
        f"未变 unchanged {result.unchanged}; 错误行 rows with errors {len(read.errors)}; "
        f"重新关联 pages linked {relinked}"
    )
    if read.errors:
        raise typer.Exit(EXIT_FILES_FAILED)


user_app = typer.Typer(help="Users and their roles (用户与角色).")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="sign-in name")],
    role: Annotated[str, typer.Option(help="clerk | reviewer | office | admin")],
    committee: Annotated[
        str | None, typer.Option(help="limit the user to one 政协工委's cards")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Add a user; the password is asked for (or read from stdin), never an argument."""
    from api.errors import AppError
    from api.routes.users import UserCreate, check_committee
    from api.security import hash_password
    from records import accounts
    from records.audit import record_event

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("密码 password", hide_input=True, confirmation_prompt=True)
    try:
        request = UserCreate.model_validate(
            {"name": name, "role": role, "committee": committee, "password": password}
        )
        check_committee(request.committee)
        password_hash = hash_password(request.password)
    except AppError as e:
        err_console.print(f"{e.message} / {e.message_en}")
        raise typer.Exit(EXIT_USAGE) from e
    except ValueError as e:  # pydantic: bad role, name or short password
        err_console.print(f"输入有误 invalid input: {e}")
        raise typer.Exit(EXIT_USAGE) from e
    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        if accounts.find_user(session, name=request.name) is not None:
            err_console.print(f"用户「{request.name}」已存在 / user exists")
            raise typer.Exit(EXIT_USAGE)
        user = accounts.add_user(
            session,
            name=request.name,
            role=request.role,
            committee=request.committee,
            password_hash=password_hash,
        )
        record_event(
            session,
            actor="cli",
            action="user_created",
            target_type="user",
            target_id=user.id,
            detail={"role": str(user.role), "committee": user.committee},
        )
    engine.dispose()
    console.print(f"用户 user {request.name} ({request.role}) 已添加 added")


@user_app.command("list")
def user_list() -> None:
    """List users with their role, committee and whether they may sign in."""
    from sqlmodel import select

    from records.accounts import User

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        for user in session.exec(select(User).order_by(User.name)):
            state = "" if user.active else "  (停用 inactive)"
            typer.echo(f"{user.name}\t{user.role}\t{user.committee or '-'}{state}")
    engine.dispose()


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="the user the token acts as")],
    label: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Create a bearer token for an API client; it is printed once."""
    from records import accounts
    from records.audit import record_event

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        user = accounts.find_user(session, name=name)
        if user is None:
            err_console.print(f"没有用户「{name}」/ no such user")
            raise typer.Exit(EXIT_USAGE)
        token, row = accounts.create_api_token(session, user=user, label=label)
        record_event(
            session,
            actor="cli",
            action="token_created",
            target_type="api_token",
            target_id=row.id,
            detail={"user": user.name},
        )
    engine.dispose()
    console.print(token)


retention_app = typer.Typer(help="Retention of personal data (个人信息保存期限).")


@retention_app.command("apply")
def retention_apply(
    keep_years: Annotated[
        int | None,
        typer.Option(min=1, help="years kept before this one (default CARDSCAN_RETENTION_YEARS)"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count what would go, change nothing")
    ] = False,
) -> None:
    """Remove names, phones, addresses, contents, page images and originals of old years;
    visit dates, manners and signatures stay for the tally."""
    from records.retention import apply_retention

    settings = load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        result = apply_retention(
            session,
            data_dir=settings.storage_root,  # where the images and originals are
            keep_years=keep_years or settings.retention_years,
            dry_run=dry_run,
        )
    engine.dispose()
    verb = "将清除 would remove" if dry_run else "已清除 removed"
    console.print(
        f"{result.first_kept_year} 年以前的个人信息 personal data before {result.first_kept_year}:"
    )
    labels = {
        "pages": "页 pages",
        "fields": "字段 fields",
        "field_edits": "修改记录 field edits",
        "images": "页面图像 page images",
        "originals": "原始文件 original files",
        "members": "委员电话 member phones",
    }
    for key, count in result.counts().items():
        console.print(f"  {verb} {labels[key]}: {count}")
