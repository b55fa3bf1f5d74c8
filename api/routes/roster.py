"""The roster of members per year: look up, add, change, import a roster file.

Members are scoped like pages: a user bound to a committee sees only that committee's
members. Phones (and the contacts' phones and addresses) are masked for roles without
access to personal data. Every change is audited by ids and counts, never by values.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel
from pydantic import Field as Body
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.deps import Principal, SessionDep, require
from api.errors import AppError, Conflict, Forbidden, NotFound
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from forms.spec import R_CONTACT_ROWS
from records.audit import record_event
from records.linking import registration_of, relink_year
from records.models import Field, Member, MemberPublic, PageStatus, utcnow
from records.privacy import mask_value
from records.review import normalize_value
from records.roster import import_roster_rows
from records.roster_file import MAX_FILE_BYTES, RosterFileError, read_roster_bytes

router = APIRouter(prefix="/roster", tags=["roster"])
Viewer = Annotated[Principal, Depends(require(Can.see_roster))]
Editor = Annotated[Principal, Depends(require(Can.edit_roster))]
YearQuery = Annotated[int, Query(ge=2000, le=2099, description="the roster's year")]
CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$"  # as roster files; it goes into card codes


class MemberCreate(BaseModel):
    year: int = Body(ge=2000, le=2099)
    code: str = Body(pattern=CODE_PATTERN)
    name: str = Body(min_length=1, max_length=20)
    sector: str | None = None
    committee: str | None = None
    phone: str | None = None
    standing: bool = False


class MemberUpdate(BaseModel):
    code: str | None = Body(default=None, pattern=CODE_PATTERN)
    name: str | None = Body(default=None, min_length=1, max_length=20)
    sector: str | None = None
    committee: str | None = None
    phone: str | None = None
    standing: bool | None = None


class RegisteredContact(BaseModel):
    """One contact row of the member's form R, as read (or as a reviewer corrected it)."""

    no: int
    name: str | None
    phone: str | None
    address: str | None
    confirmed: bool  # the form R was confirmed, or a reviewer set this name


class MemberContacts(BaseModel):
    member_id: int
    page_id: int | None  # the form R they were read from; None when none arrived yet
    contacts: list[RegisteredContact]


class ImportRowError(BaseModel):
    row_no: int
    column: str | None
    message: str
    code: str


class ImportResult(BaseModel):
    year: int
    added: int
    updated: int
    unchanged: int
    relinked: int
    errors: list[ImportRowError]


@router.get("/members")
def list_members(
    viewer: Viewer,
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
    year: Annotated[int | None, Query(ge=2000, le=2099)] = None,
    committee: str | None = None,
    q: Annotated[str | None, Query(max_length=32, description="part of name or code")] = None,
) -> Paginated[MemberPublic]:
    """Members by year and code, filtered; `q` finds a name or code containing it."""
    conditions: list[Any] = []
    if year is not None:
        conditions.append(col(Member.year) == year)
    if committee is not None:
        conditions.append(col(Member.committee) == committee)
    if viewer.committee is not None:
        conditions.append(col(Member.committee) == viewer.committee)
    if q and q.strip():
        text = q.strip()
        conditions.append(
            col(Member.name).contains(text, autoescape=True)
            | col(Member.code).contains(text.upper(), autoescape=True)
        )
    query = select(Member).where(*conditions).order_by(col(Member.year).desc(), col(Member.code))
    rows = session.exec(query.offset(offset).limit(limit)).all()
    total = int(session.exec(select(func.count()).select_from(Member).where(*conditions)).one())
    items = [_public(m, viewer) for m in rows]
    return Paginated[MemberPublic](items=items, total=total, offset=offset, limit=limit)


@router.get("/members/{member_id}")
def get_member(member_id: int, viewer: Viewer, session: SessionDep) -> MemberPublic:
    return _public(visible_member(session, viewer, member_id), viewer)


@router.get("/members/{member_id}/contacts")
def get_contacts(member_id: int, viewer: Viewer, session: SessionDep) -> MemberContacts:
    """The contacts on the member's latest form R (a confirmed one before any in review)."""
    member = visible_member(session, viewer, member_id)
    found = registration_of(session, member)
    if found is None:
        return MemberContacts(member_id=member_id, page_id=None, contacts=[])
    form, fields = found
    contacts = []
    for no in range(1, R_CONTACT_ROWS + 1):
        values = {
            part: _text(fields.get(f"contacts.{no}.{part}"))
            for part in ("name", "phone", "address")
        }
        if not any(values.values()):
            continue
        if not viewer.can(Can.see_personal_data):
            values = {k: mask_value(f"contacts.{no}.{k}", v) for k, v in values.items()}
        name_field = fields.get(f"contacts.{no}.name")
        by_reviewer = name_field is not None and name_field.engine == "reviewer"
        confirmed = form.status == PageStatus.confirmed or by_reviewer
        contacts.append(RegisteredContact(no=no, confirmed=confirmed, **values))
    return MemberContacts(member_id=member_id, page_id=form.id, contacts=contacts)


@router.post("/members", status_code=201)
def create_member(request: MemberCreate, editor: Editor, session: SessionDep) -> MemberPublic:
    """Add a member to a year's roster; the year's pages in review are linked again."""
    values = _checked(request.model_dump())
    _check_scope(editor, values.get("committee"))
    _check_code_free(session, year=request.year, code=values["code"])
    member = Member(**values)
    session.add(member)
    _flush(session, request.year, values["code"])
    record_event(
        session,
        actor=editor.name,
        actor_id=editor.id,
        action="member_created",
        target_type="member",
        target_id=member.id,
        detail={"year": member.year, "code": member.code},
    )
    relink_year(session, member.year)
    session.commit()
    return _public(member, editor)


@router.patch("/members/{member_id}")
def update_member(
    member_id: int, request: MemberUpdate, editor: Editor, session: SessionDep
) -> MemberPublic:
    """Change a member; fields left out stay, null clears sector, committee or phone."""
    member = visible_member(session, editor, member_id)
    changes = _checked(request.model_dump(exclude_unset=True))
    for required in ("code", "name", "standing"):
        if required in changes and changes[required] is None:
            raise AppError(
                "委员编号、姓名和是否常委不能清空。",
                f"{required} cannot be null.",
                code="invalid_value",
                status=422,
            )
    _check_scope(editor, changes.get("committee", member.committee))
    if "code" in changes and changes["code"] != member.code:
        _check_code_free(session, year=member.year, code=changes["code"])
    changed = sorted(k for k, v in changes.items() if getattr(member, k) != v)
    for key in changed:
        setattr(member, key, changes[key])
    if changed:
        member.updated_at = utcnow()
        session.add(member)
        _flush(session, member.year, member.code)
        record_event(
            session,
            actor=editor.name,
            actor_id=editor.id,
            action="member_changed",
            target_type="member",
            target_id=member_id,
            detail={"changed": changed},
        )
        relink_year(session, member.year)
        session.commit()
    return _public(member, editor)


@router.post("/import")
def import_roster(
    year: YearQuery,
    editor: Editor,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="the roster as .xlsx or CSV")],
) -> ImportResult:
    """Add or update the year's members from a roster file; bad rows are reported, the
    good ones stored, and the year's pages in review are linked again."""
    if editor.committee is not None:
        raise Forbidden(
            "只能由不限工委的管理员导入全市名单。",
            "Only a user not bound to a committee may import the whole roster.",
        )
    data = file.file.read(MAX_FILE_BYTES + 1)
    name = file.filename or "roster"
    try:
        read = read_roster_bytes(data, filename=name)
    except RosterFileError as e:
        zh, _, en = e.message.partition(f" / {e.filename}: ")
        raise AppError(zh, f"{e.filename}: {en}", code=e.code, status=422) from e
    result = import_roster_rows(session, year=year, rows=read.rows)
    relinked = relink_year(session, year)
    counts = {"added": result.added, "updated": result.updated, "unchanged": result.unchanged}
    record_event(
        session,
        actor=editor.name,
        actor_id=editor.id,
        action="roster_imported",
        target_type="roster",
        target_id=year,
        detail={"year": year, **counts, "errors": len(read.errors), "relinked": relinked},
    )
    session.commit()
    errors = [
        ImportRowError(row_no=e.row_no, column=e.column, message=e.message, code=e.code)
        for e in read.errors
    ]
    return ImportResult(year=year, **counts, relinked=relinked, errors=errors)


# --- helpers -----------------------------------------------------------------------------


def visible_member(session: Session, principal: Principal, member_id: int) -> Member:
    """The member, if it exists and the principal's committee (if any) is the member's."""
    member = session.get(Member, member_id)
    if member is None or (
        principal.committee is not None and member.committee != principal.committee
    ):
        raise NotFound(f"委员 {member_id} 不存在。", f"Member {member_id} does not exist.")
    return member


def _public(member: Member, principal: Principal) -> MemberPublic:
    public = MemberPublic.model_validate(member, from_attributes=True)
    if principal.can(Can.see_personal_data):
        return public
    return public.model_copy(update={"phone": mask_value("member_phone", public.phone)})


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """Code in capitals, name trimmed, sector and committee canonical, phone normalized."""
    out = dict(values)
    if isinstance(out.get("code"), str):
        out["code"] = out["code"].upper()
    # A value that does not fit raises InvalidValue: 422 through the app's error handler.
    for key, kind in (("name", "name"), ("sector", "sector"), ("committee", "committee")):
        if key in out and out[key] is not None:
            out[key] = normalize_value(kind, out[key])
    if out.get("phone") is not None:
        out["phone"] = normalize_value("phone", out["phone"])
    if "name" in out and values.get("name") is not None and not out["name"]:
        raise AppError("姓名不能为空。", "name cannot be blank.", code="invalid_value", status=422)
    return out


def _check_scope(principal: Principal, committee: str | None) -> None:
    if principal.committee is not None and committee != principal.committee:
        raise Forbidden(
            f"您只能管理「{principal.committee}」的委员。",
            f"You may only manage members of {principal.committee}.",
        )


def _check_code_free(session: Session, *, year: int, code: str) -> None:
    taken = session.exec(select(Member).where(Member.year == year, Member.code == code)).first()
    if taken is not None:
        raise _duplicate(year, code)


def _flush(session: Session, year: int, code: str) -> None:
    """Write now, so a code taken meanwhile by another request is a 409, not a 500."""
    try:
        session.flush()
    except IntegrityError as e:
        session.rollback()
        raise _duplicate(year, code) from e


def _duplicate(year: int, code: str) -> Conflict:
    return Conflict(
        f"{year} 年名单中已有委员编号「{code}」。",
        f"The {year} roster already has member code {code!r}.",
        code="duplicate_code",
    )


def _text(field: Field | None) -> str | None:
    return field.value if field is not None and isinstance(field.value, str) else None
