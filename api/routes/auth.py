"""Sign-in and sign-out (session cookie + CSRF token), who am I, and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import AppError, NotFound
from api.security import SESSION_COOKIE, authenticate, sign_in
from records import accounts
from records.accounts import ApiToken, ApiTokenPublic, UserPublic
from records.audit import record_event

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class SignedIn(BaseModel):
    user: UserPublic
    csrf_token: str


class TokenRequest(BaseModel):
    label: str = Field(min_length=1, max_length=100)


class NewToken(BaseModel):
    token: str
    info: ApiTokenPublic


@router.post("/login")
def login(
    credentials: Credentials,
    response: Response,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> SignedIn:
    """Check name and password; on success set the session cookie and return the CSRF token."""
    user = authenticate(session, name=credentials.name, password=credentials.password)
    if user is None:
        record_event(session, actor=credentials.name[:64], action="login_failed")
        session.commit()
        raise AppError(
            "用户名或密码错误。", "Wrong name or password.", code="bad_credentials", status=401
        )
    csrf = sign_in(
        session, user=user, via="password", response=response, secure=bool(settings.cookie_secure)
    )
    del request
    return SignedIn(user=UserPublic.model_validate(user), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(principal: CurrentUser, request: Request, session: SessionDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(session, token=cookie)
    record_event(session, actor=principal.name, actor_id=principal.id, action="logout")
    session.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
def me(principal: CurrentUser) -> SignedIn:
    """The signed-in user and (for a browser session) the CSRF token to send back."""
    return SignedIn(
        user=UserPublic.model_validate(principal.user), csrf_token=principal.csrf_token or ""
    )


@router.post("/tokens", status_code=201)
def create_token(request: TokenRequest, principal: CurrentUser, session: SessionDep) -> NewToken:
    """A bearer token for the signed-in user; its value is shown only now."""
    token, row = accounts.create_api_token(session, user=principal.user, label=request.label)
    record_event(
        session,
        actor=principal.name,
        actor_id=principal.id,
        action="token_created",
        target_type="api_token",
        target_id=row.id,
    )
    session.commit()
    return NewToken(token=token, info=ApiTokenPublic.model_validate(row))


@router.get("/tokens")
def list_tokens(principal: CurrentUser, session: SessionDep) -> list[ApiTokenPublic]:
    rows = session.exec(
        select(ApiToken).where(ApiToken.user_id == principal.id).order_by(col(ApiToken.id))
    )
    return [ApiTokenPublic.model_validate(r) for r in rows]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, principal: CurrentUser, session: SessionDep) -> Response:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != principal.id:
        raise NotFound(f"令牌 {token_id} 不存在。", f"Token {token_id} does not exist.")
    row.revoked = True
    session.add(row)
    record_event(
        session,
        actor=principal.name,
        actor_id=principal.id,
        action="token_revoked",
        target_type="api_token",
        target_id=token_id,
    )
    session.commit()
    return Response(status_code=204)
