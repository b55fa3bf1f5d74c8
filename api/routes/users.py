"""User management for admins: list, add, change role, committee, password or access."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select

from api.deps import Principal, SessionDep, require
from api.errors import AppError, Conflict, NotFound
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from api.security import hash_password
from forms.vocabulary import COMMITTEES
from records import accounts
from records.accounts import Role, User, UserPublic
from records.audit import record_event

router = APIRouter(prefix="/users", tags=["users"])
Admin = Annotated[Principal, Depends(require(Can.manage_users))]


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w.\-\u4e00-\u9fff]+$")
    role: Role
    committee: str | None = None
    password: str = Field(min_length=10, max_length=256)


class UserUpdate(BaseModel):
    role: Role | None = None
    committee: str | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=256)


def check_committee(committee: str | None) -> None:
    if committee is not None and committee not in COMMITTEES:
        raise AppError(
            f"未知的政协工委「{committee}」。",
            f"Unknown committee {committee!r}.",
            code="unknown_committee",
            status=422,
        )


@router.get("")
def list_users(
    admin: Admin, session: SessionDep, offset: OffsetQuery = 0, limit: LimitQuery = 50
) -> Paginated[UserPublic]:
    del admin
    rows = session.exec(select(User).order_by(col(User.name)).offset(offset).limit(limit)).all()
    total = int(session.exec(select(func.count()).select_from(User)).one())
    items = [UserPublic.model_validate(u) for u in rows]
    return Paginated[UserPublic](items=items, total=total, offset=offset, limit=limit)


@router.post("", status_code=201)
def create_user(request: UserCreate, admin: Admin, session: SessionDep) -> UserPublic:
    check_committee(request.committee)
    if accounts.find_user(session, name=request.name) is not None:
        raise Conflict(f"用户「{request.name}」已存在。", f"User {request.name!r} exists.")
    user = accounts.add_user(
        session,
        name=request.name,
        role=request.role,
        committee=request.committee,
        password_hash=hash_password(request.password),
    )
    record_event(
        session,
        actor=admin.name,
        actor_id=admin.id,
        action="user_created",
        target_type="user",
        target_id=user.id,
        detail={"role": str(user.role), "committee": user.committee},
    )
    session.commit()
    return UserPublic.model_validate(user)


@router.patch("/{user_id}")
def update_user(user_id: int, request: UserUpdate, admin: Admin, session: SessionDep) -> UserPublic:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在。", f"User {user_id} does not exist.")
    changes = request.model_dump(exclude_unset=True)
    if "committee" in changes:
        check_committee(changes["committee"])
    if user.id == admin.id and (
        changes.get("active") is False or changes.get("role") not in (None, Role.admin)
    ):
        raise AppError(
            "不能停用自己或取消自己的管理员角色。",
            "You cannot deactivate yourself or drop your own admin role.",
            code="self_lockout",
            status=409,
        )
    for key in ("role", "committee", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
    session.add(user)
    detail = {k: (str(v) if k == "role" else v) for k, v in changes.items() if k != "password"}
    if "password" in changes:
        detail["password"] = "changed"
    record_event(
        session,
        actor=admin.name,
        actor_id=admin.id,
        action="user_changed",
        target_type="user",
        target_id=user_id,
        detail=detail,
    )
    session.commit()
    return UserPublic.model_validate(user)
