"""Sign-in for the web screens: the login form, sign-out, and the signed-in user of a page.

The screens share the API's session cookie and CSRF token; the login form itself is
protected by a double-submit cookie, since there is no session yet to hold a token.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import Principal, SessionDep, SettingsDep, current_principal
from api.errors import AppError, NotAuthenticated
from api.permissions import Can
from api.security import SESSION_COOKIE, authenticate, sign_in
from records import accounts
from records.audit import record_event

LOGIN_CSRF_COOKIE = "cardscan_login_csrf"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by ``screen_user``; the app turns it into a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


async def screen_user(request: Request, session: SessionDep) -> Principal:
    """The signed-in user of a screen, or a redirect to the login form."""
    try:
        return await current_principal(request, session)
    except NotAuthenticated as e:
        raise LoginRequired(request.url.path) from e


ScreenUser = Annotated[Principal, Depends(screen_user)]


def login_redirect(_: Request, exc: LoginRequired) -> Response:
    return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)


def _safe_next(next_path: str) -> str:
    return next_path if next_path.startswith("/") and not next_path.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", error: str | None = None) -> Response:
    token = accounts.new_token()
    response = templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "csrf_token": token, "error": error}
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return RedirectResponse("/login?error=expired", status_code=303)
    try:
        user = authenticate(session, name=name, password=password)
    except AppError:
        session.commit()
        return RedirectResponse("/login?error=throttled", status_code=303)
    if user is None:
        record_event(session, actor=name[:64], action="login_failed")
        session.commit()
        return RedirectResponse("/login?error=bad", status_code=303)
    response = RedirectResponse(_safe_next(next), status_code=303)
    sign_in(session, user=user, via="form", response=response, secure=bool(settings.cookie_secure))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout_submit(user: ScreenUser, request: Request, session: SessionDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(session, token=cookie)
    record_event(session, actor=user.name, actor_id=user.id, action="logout")
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def screen_context(user: Principal) -> dict[str, object]:
    """What every signed-in screen shows in its header."""
    return {
        "user": user.user,
        "csrf_token": user.csrf_token,
        "can_see_pages": user.can(Can.see_pages),
        "can_see_roster": user.can(Can.see_roster),
        "can_see_reports": user.can(Can.see_reports),
    }
