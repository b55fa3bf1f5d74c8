"""Users, their roles, sign-in sessions, API tokens and failed sign-ins.

Secrets are never stored: passwords as argon2 hashes, session and API tokens as
SHA-256 digests of random values that only the client holds.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import sqlmodel as sm
from sqlalchemy import func
from sqlmodel import Session, col, select

from records.models import utcnow


class Role(StrEnum):
    clerk = "clerk"  # uploads scans, follows batches
    reviewer = "reviewer"  # reviews and confirms cards
    office = "office"  # tallies, reports, exports
    admin = "admin"  # users, roster, settings


class UserBase(sm.SQLModel):
    name: str = sm.Field(index=True, unique=True, min_length=1, max_length=64)
    role: Role
    committee: str | None = None  # set: this user sees only that committee's pages
    active: bool = True


class User(UserBase, table=True):
    id: int | None = sm.Field(default=None, primary_key=True)
    password_hash: str
    created_at: datetime = sm.Field(default_factory=utcnow)


class UserPublic(UserBase):
    id: int
    created_at: datetime


class WebSession(sm.SQLModel, table=True):
    """A browser's sign-in: the cookie holds the token, the row its digest and CSRF token."""

    __tablename__ = "web_session"

    id: str = sm.Field(primary_key=True)  # sha256 of the cookie value
    user_id: int = sm.Field(foreign_key="user.id", index=True)
    csrf_token: str
    created_at: datetime = sm.Field(default_factory=utcnow)
    expires_at: datetime


class ApiToken(sm.SQLModel, table=True):
    """A bearer token for API clients; shown once at creation."""

    __tablename__ = "api_token"

    id: int | None = sm.Field(default=None, primary_key=True)
    digest: str = sm.Field(index=True, unique=True)
    user_id: int = sm.Field(foreign_key="user.id", index=True)
    label: str
    created_at: datetime = sm.Field(default_factory=utcnow)
    revoked: bool = False


class ApiTokenPublic(sm.SQLModel):
    id: int
    label: str
    created_at: datetime
    revoked: bool


class LoginFailure(sm.SQLModel, table=True):
    """One failed sign-in, for throttling (kept by user name, never the password)."""

    __tablename__ = "login_failure"

    id: int | None = sm.Field(default=None, primary_key=True)
    name: str = sm.Field(index=True)
    at: datetime = sm.Field(default_factory=utcnow, index=True)


def digest(token: str) -> str:
    """The stored form of a session or API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def find_user(session: Session, *, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


def add_user(
    session: Session, *, name: str, role: Role, password_hash: str, committee: str | None
) -> User:
    user = User(name=name, role=role, password_hash=password_hash, committee=committee)
    session.add(user)
    session.flush()
    return user


def start_session(session: Session, *, user: User, lifetime: timedelta) -> tuple[str, WebSession]:
    """A new sign-in for ``user``: the cookie value (returned once) and its row."""
    assert user.id is not None
    token = new_token()
    row = WebSession(
        id=digest(token),
        user_id=user.id,
        csrf_token=new_token(),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.flush()
    return token, row


def session_user(session: Session, *, token: str) -> tuple[User, WebSession] | None:
    """The active user of a cookie value, if its session has not expired."""
    row = session.get(WebSession, digest(token))
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return (user, row) if user is not None and user.active else None


def end_session(session: Session, *, token: str) -> None:
    row = session.get(WebSession, digest(token))
    if row is not None:
        session.delete(row)


def create_api_token(session: Session, *, user: User, label: str) -> tuple[str, ApiToken]:
    """A bearer token for ``user``: its value (shown once) and its row."""
    assert user.id is not None
    token = new_token()
    row = ApiToken(digest=digest(token), user_id=user.id, label=label)
    session.add(row)
    session.flush()
    return token, row


def token_user(session: Session, *, token: str) -> User | None:
    """The active user of a bearer token that was not revoked."""
    row = session.exec(select(ApiToken).where(ApiToken.digest == digest(token))).first()
    if row is None or row.revoked:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def note_failure(session: Session, *, name: str) -> None:
    session.add(LoginFailure(name=name[:64]))


def recent_failures(session: Session, *, name: str, window: timedelta) -> int:
    since = utcnow() - window
    count = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.name == name[:64], col(LoginFailure.at) >= since)
    ).one()
    return int(count)


def clear_failures(session: Session, *, name: str) -> None:
    for row in session.exec(select(LoginFailure).where(LoginFailure.name == name[:64])):
        session.delete(row)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
