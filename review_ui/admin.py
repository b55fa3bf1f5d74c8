"""Admin screens: users (add, change role or committee, deactivate) and the audit trail.

They call the same data functions as the API routes, so rules and audit entries are the
same whichever way an admin works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlmodel import col, select

from api.deps import SessionDep
from api.errors import AppError, Forbidden
from api.permissions import Can
from api.routes.users import UserCreate, UserUpdate, create_user, update_user
from forms.vocabulary import COMMITTEES
from records.accounts import Role, User
from records.audit import list_events
from review_ui.labels import ROLE_LABELS
from review_ui.session import ScreenUser, screen_context

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/admin", include_in_schema=False)
AUDIT_PAGE = 200


def _admin(user: ScreenUser, capability: Can) -> None:
    if not user.can(capability):
        raise Forbidden("只有管理员可以使用此页面。", "Only admins may use this screen.")


@router.get("/users", response_class=HTMLResponse)
def users_screen(
    request: Request, user: ScreenUser, session: SessionDep, message: str | None = None
) -> Response:
    _admin(user, Can.manage_users)
    users = session.exec(select(User).order_by(col(User.name))).all()
    return templates.TemplateResponse(
        request,
        "admin_users.html",
        {
            "users": users,
            "roles": list(Role),
            "role_labels": ROLE_LABELS,
            "committees": list(COMMITTEES),
            "message": message,
            **screen_context(user),
        },
    )


@router.post("/users")
def add_user_form(
    user: ScreenUser,
    session: SessionDep,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
    committee: Annotated[str, Form()] = "",
) -> Response:
    _admin(user, Can.manage_users)
    try:
        request = UserCreate(
            name=name, role=Role(role), committee=committee or None, password=password
        )
        create_user(request, user, session)
    except (AppError, ValidationError, ValueError) as e:
        return _back(_message(e))
    return _back(f"已添加用户 {name}")


@router.post("/users/{user_id}")
def change_user_form(
    user_id: int,
    user: ScreenUser,
    session: SessionDep,
    role: Annotated[str, Form()],
    committee: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    _admin(user, Can.manage_users)
    try:
        update = UserUpdate(role=Role(role), committee=committee or None, active=bool(active))
        update_user(user_id, update, user, session)
    except (AppError, ValidationError, ValueError) as e:
        return _back(_message(e))
    return _back("已保存")


@router.get("/audit", response_class=HTMLResponse)
def audit_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    action: str | None = None,
    offset: int = 0,
) -> Response:
    _admin(user, Can.see_audit)
    events, total = list_events(
        session, offset=max(0, offset), limit=AUDIT_PAGE, action=action or None
    )
    return templates.TemplateResponse(
        request,
        "admin_audit.html",
        {
            "events": events,
            "total": total,
            "action": action or "",
            "offset": max(0, offset),
            "page_size": AUDIT_PAGE,
            **screen_context(user),
        },
    )


def _message(error: Exception) -> str:
    if isinstance(error, AppError):
        return error.message
    return "输入有误：用户名只能用字母、数字或汉字，密码至少 10 个字符。"


def _back(message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"/admin/users?message={quote(message)}", status_code=303)
