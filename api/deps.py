"""FastAPI dependencies as `Annotated` aliases: settings, database session, signed-in user."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import AppError, Forbidden, NotAuthenticated
from api.permissions import Can, allowed
from api.security import CSRF_FORM_FIELD, CSRF_HEADER, SESSION_COOKIE
from api.settings import Settings
from records import accounts
from records.accounts import Role, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Principal:
    """Who is calling, how they signed in, and what they may see."""

    user: User
    via: Literal["session", "token"]
    csrf_token: str | None = None

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def committee(self) -> str | None:
        """The only committee whose pages this user sees, or None for all."""
        return self.user.committee

    def can(self, capability: Can) -> bool:
        return allowed(self.user.role, capability)


async def current_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in user, by bearer token or session cookie; a cookie-authenticated
    request that changes anything must also carry the session's CSRF token."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.token_user(session, token=header[7:].strip())
        if user is None:
            raise NotAuthenticated()
        return Principal(user, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    found = accounts.session_user(session, token=cookie) if cookie else None
    if found is None:
        raise NotAuthenticated()
    user, row = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or await _form_token(request)
        if not sent or not hmac.compare_digest(sent, row.csrf_token):
            raise Forbidden(
                "页面已过期或请求来源不明，请刷新页面后重试。",
                f"Missing or wrong CSRF token: send the {CSRF_HEADER} header of your session.",
                code="csrf_failed",
            )
    return Principal(user, "session", row.csrf_token)


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    form = await request.form()
    value = form.get(CSRF_FORM_FIELD)
    return value if isinstance(value, str) else None


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require(capability: Can) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that lets through only roles granted ``capability``."""

    async def check(principal: CurrentUser) -> Principal:
        if not principal.can(capability):
            raise Forbidden(
                "您的角色没有此权限。",
                f"Your role ({principal.role}) may not {capability.value.replace('_', ' ')}.",
            )
        return principal

    check.capability = capability  # type: ignore[attr-defined]  # read by the role matrix test
    return check


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The page version the change was made on (`PageDetail.version`); "
            "a change to a page that has moved on is refused with 409 `stale_write`.",
        ),
    ] = None,
) -> int | None:
    """The page version a change was made on, from `If-Match` (`3`, `"3"` or `W/"3"`)."""
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise AppError(
            "版本号无效，请刷新页面后重试。",
            'If-Match must be the page\'s version, a whole number (e.g. "3").',
            code="invalid_input",
            status=422,
        )
    return int(text)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
