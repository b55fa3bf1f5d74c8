"""Passwords (argon2), sign-in with throttling, and the cookie's settings."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session
from starlette.responses import Response

from api.errors import AppError, TooManyAttempts
from records import accounts
from records.accounts import User
from records.audit import record_event

SESSION_COOKIE = "cardscan_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_hasher = PasswordHasher()
# Verifying against a real hash when the user does not exist keeps timing equal.
_DUMMY_HASH = _hasher.hash("cardscan-no-such-user")
MIN_PASSWORD = 10
SESSION_LIFETIME = timedelta(hours=12)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AppError(
            f"密码至少 {MIN_PASSWORD} 个字符。",
            f"A password needs at least {MIN_PASSWORD} characters.",
            code="weak_password",
        )
    return _hasher.hash(password)


def authenticate(session: Session, *, name: str, password: str) -> User | None:
    """The user when name and password match; refuses after repeated failures.

    Raises TooManyAttempts once a name failed ``MAX_FAILURES`` times in the window,
    whatever the password, so guessing is slow even for the right one.
    """
    if accounts.recent_failures(session, name=name, window=FAILURE_WINDOW) >= MAX_FAILURES:
        raise TooManyAttempts(
            f"登录失败次数过多，请 {FAILURE_WINDOW.seconds // 60} 分钟后再试。",
            f"Too many failed sign-ins; try again in {FAILURE_WINDOW.seconds // 60} minutes.",
        )
    user = accounts.find_user(session, name=name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        accounts.note_failure(session, name=name)
        return None
    accounts.clear_failures(session, name=name)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    return user


def sign_in(session: Session, *, user: User, via: str, response: Response, secure: bool) -> str:
    """Start a browser session for ``user``: the audited sign-in, committed, and its
    HttpOnly SameSite=Strict cookie on ``response``; returns the session's CSRF token."""
    token, row = accounts.start_session(session, user=user, lifetime=SESSION_LIFETIME)
    record_event(session, actor=user.name, actor_id=user.id, action="login", detail={"via": via})
    session.commit()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return row.csrf_token
