"""The roster screens: a year's members (filter, search), add and edit a member, and import
a roster file from the browser with the result row by row.

Changes call the roster API's own functions (`api.routes.roster`), so checks, scoping,
relinking and audit entries are the same whichever way an admin works.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import Principal, SessionDep
from api.errors import AppError, Forbidden
from api.permissions import Can
from api.routes.roster import (
    ImportResult,
    MemberCreate,
    MemberUpdate,
    create_member,
    get_contacts,
    import_roster,
    update_member,
    visible_member,
)
from forms.vocabulary import COMMITTEES, SECTORS
from records.corrections import ReviewError
from records.models import Member
from records.privacy import mask_value
from review_ui.session import ScreenUser, screen_context

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)
ROSTER_PAGE = 100
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _viewer(user: Principal) -> None:
    if not user.can(Can.see_roster):
        raise Forbidden(
            "您的角色不能查看委员名单。", f"Your role ({user.role}) may not see the roster."
        )


def _editor(user: Principal) -> None:
    if not user.can(Can.edit_roster):
        raise Forbidden("只有管理员可以修改委员名单。", "Only admins may change the roster.")


def roster_years(session: Session) -> list[int]:
    """Years that have a roster, newest first."""
    years = session.exec(select(Member.year).distinct().order_by(col(Member.year).desc())).all()
    return [int(y) for y in years]


def chosen_year(text: str | None, years: list[int]) -> int:
    """The year asked for, else the newest roster's, else this year."""
    if text and text.strip().isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return years[0] if years else date.today().year


def year_choices(years: list[int], wanted: int) -> list[int]:
    """The years to pick from: every roster's, the one shown, and this year and its neighbours
    (a new term's roster is imported before it has any member)."""
    this = date.today().year
    return sorted({*years, wanted, this - 1, this, this + 1}, reverse=True)


def _shown(member: Member, user: Principal) -> dict[str, Any]:
    phone = member.phone
    if phone and not user.can(Can.see_personal_data):
        phone = mask_value("member_phone", phone)
    return {"member": member, "phone": phone or ""}


@router.get("/roster", response_class=HTMLResponse)
def roster_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    year: str | None = None,
    committee: str | None = None,
    sector: str | None = None,
    q: str | None = None,
    offset: int = 0,
    message: str | None = None,
) -> Response:
    """The year's members in code order, with the add and import forms for admins."""
    _viewer(user)
    years = roster_years(session)
    wanted = chosen_year(year, years)
    committee = user.committee or (committee if committee in COMMITTEES else None)
    sector = sector if sector in SECTORS else None
    text = (q or "").strip()[:32]
    conditions: list[Any] = [col(Member.year) == wanted]
    if committee:
        conditions.append(col(Member.committee) == committee)
    if sector:
        conditions.append(col(Member.sector) == sector)
    if text:
        conditions.append(
            col(Member.name).contains(text, autoescape=True)
            | col(Member.code).contains(text.upper(), autoescape=True)
        )
    offset = max(0, offset)
    members = session.exec(
        select(Member)
        .where(*conditions)
        .order_by(col(Member.code))
        .offset(offset)
        .limit(ROSTER_PAGE)
    ).all()
    total = int(session.exec(select(func.count()).select_from(Member).where(*conditions)).one())
    query = {"year": wanted, "committee": committee or "", "sector": sector or "", "q": text}
    return templates.TemplateResponse(
        request,
        "roster.html",
        {
            "year": wanted,
            "years": year_choices(years, wanted),
            "rows": [_shown(m, user) for m in members],
            "total": total,
            "offset": offset,
            "page_size": ROSTER_PAGE,
            "query": urlencode(query),
            "committee": committee or "",
            "sector": sector or "",
            "q": text,
            "committees": list(COMMITTEES),
            "sectors": list(SECTORS),
            "message": message,
            "can_edit": user.can(Can.edit_roster),
            "can_import": user.can(Can.edit_roster) and user.committee is None,
            "can_report": user.can(Can.see_reports),
            **screen_context(user),
        },
    )


@router.get("/roster/members/{member_id}", response_class=HTMLResponse)
def member_screen(
    member_id: int,
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    message: str | None = None,
) -> Response:
    """One member: details (an edit form for admins) and the contacts on their form R."""
    _viewer(user)
    member = visible_member(session, user, member_id)
    contacts = get_contacts(member_id, user, session)
    return templates.TemplateResponse(
        request,
        "roster_member.html",
        {
            **_shown(member, user),
            "contacts": contacts,
            "committees": list(COMMITTEES),
            "sectors": list(SECTORS),
            "message": message,
            "can_edit": user.can(Can.edit_roster),
            "can_report": user.can(Can.see_reports),
            **screen_context(user),
        },
    )


def _member_form(
    code: str, name: str, sector: str, committee: str, phone: str, standing: str
) -> dict[str, Any]:
    """A member's form fields as the roster API takes them: trimmed, blanks as None."""
    return {
        "code": code.strip(),
        "name": name.strip(),
        "sector": sector or None,
        "committee": committee or None,
        "phone": phone.strip() or None,
        "standing": bool(standing),
    }


@router.post("/roster/members")
def add_member_form(
    user: ScreenUser,
    session: SessionDep,
    year: Annotated[int, Form()],
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    sector: Annotated[str, Form()] = "",
    committee: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    standing: Annotated[str, Form()] = "",
) -> Response:
    _editor(user)
    back = f"/roster?year={year}"
    try:
        request = MemberCreate(
            year=year, **_member_form(code, name, sector, committee, phone, standing)
        )
        member = create_member(request, user, session)
    except (AppError, ReviewError, ValidationError) as e:
        return _redirect(back, _message(e))
    return _redirect(f"{back}&q={quote(member.code)}", f"已添加委员 {member.code} {member.name}")


@router.post("/roster/members/{member_id}")
def change_member_form(
    member_id: int,
    user: ScreenUser,
    session: SessionDep,
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    sector: Annotated[str, Form()] = "",
    committee: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    standing: Annotated[str, Form()] = "",
) -> Response:
    _editor(user)
    back = f"/roster/members/{member_id}"
    try:
        update = MemberUpdate(**_member_form(code, name, sector, committee, phone, standing))
        update_member(member_id, update, user, session)
    except (AppError, ReviewError, ValidationError) as e:
        return _redirect(back, _message(e))
    return _redirect(back, "已保存")


@router.post("/roster/import", response_class=HTMLResponse)
def import_form(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    year: Annotated[int, Form(ge=FIRST_YEAR, le=LAST_YEAR)],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Import a roster file and show what it did: counts, and every bad row with its reason."""
    _editor(user)
    result: ImportResult | None = None
    failure: str | None = None
    try:
        result = import_roster(year, user, session, file)
    except AppError as e:
        session.rollback()
        failure = e.message
    return templates.TemplateResponse(
        request,
        "roster_import.html",
        {
            "year": year,
            "file_name": file.filename or "",
            "result": result,
            "failure": failure,
            **screen_context(user),
        },
        status_code=200 if failure is None else 422,
    )


def _message(error: Exception) -> str:
    if isinstance(error, AppError | ReviewError):
        return error.message
    if isinstance(error, ValidationError):
        fields = {str(e["loc"][0]) for e in error.errors() if e.get("loc")}
        if "code" in fields:
            return "委员编号只能由字母、数字、“-”和“_”组成（最多 32 位）。"
        if "name" in fields:
            return "姓名不能为空，最多 20 个字。"
    return "输入有误，请检查后重试。"


def _redirect(path: str, message: str) -> Response:
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}message={quote(message)}", status_code=303)
