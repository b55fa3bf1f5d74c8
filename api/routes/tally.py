"""The year's visit tally and assessment: per member, sector and committee, and downloads.

Every answer is computed from the confirmed records at the time of the request, so a
correction counts at once. A user bound to a committee sees only that committee's members;
phones are masked for roles without access to personal data. Downloads are audited.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import Principal, SessionDep, SettingsDep, require
from api.errors import AppError, Forbidden, NotFound
from api.permissions import Can
from records.assessment_rules import RulesError
from records.audit import record_event
from records.models import Member
from records.tally import MemberStatus, YearTally, masked, tally_year
from records.tally_export import MEDIA_TYPES, VIEWS, file_name, tally_file
from records.tally_public import (
    GroupTallyPublic,
    MemberCompleteness,
    MemberSummaryPublic,
    MemberTallyPublic,
    RulesPublic,
    TallyOverview,
)

router = APIRouter(prefix="/tally", tags=["tally"])
Reader = Annotated[Principal, Depends(require(Can.see_reports))]
Exporter = Annotated[Principal, Depends(require(Can.export))]
YearPath = Annotated[int, Path(ge=2000, le=2099, description="the year assessed")]
CommitteeQuery = Annotated[
    str | None, Query(max_length=40, description="only this 政协工委's members")
]
ViewQuery = Annotated[
    str, Query(pattern="^(" + "|".join(VIEWS) + ")$", description="the table a CSV holds")
]


def _tally(
    session: Session, principal: Principal, settings: SettingsDep, year: int, committee: str | None
) -> YearTally:
    """The year as this principal may see it: their committee only, phones masked."""
    if principal.committee is not None:
        if committee not in (None, principal.committee):
            raise Forbidden(
                f"您只能查看本工委（{principal.committee}）的统计。",
                f"You may see only the tally of your committee ({principal.committee}).",
            )
        committee = principal.committee
    try:
        result = tally_year(session, year, committee=committee, rules_dir=settings.rules_dir)
    except RulesError as e:
        raise AppError(
            "本年度考核规则文件有误，请联系管理员。", str(e), code="rules_invalid", status=500
        ) from e
    return result if principal.can(Can.see_personal_data) else masked(result)


def _download(
    fmt: str,
    year: int,
    exporter: Principal,
    session: Session,
    settings: SettingsDep,
    committee: str | None,
    view: str,
) -> Response:
    result = _tally(session, exporter, settings, year, committee)
    data = tally_file(result, fmt, view)
    record_event(
        session,
        actor=exporter.name,
        actor_id=exporter.id,
        action="export",
        detail={
            "kind": "tally",
            "year": year,
            "format": fmt,
            "view": view if fmt == "csv" else None,
            "committee": result.committee,
            "members": len(result.members),
            "rules_version": result.rules.version,
            "masked": not exporter.can(Can.see_personal_data),
        },
    )
    session.commit()
    name = file_name(result, fmt)
    disposition = f"attachment; filename=\"tally-{year}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


@router.get("/{year}.csv", response_class=Response, summary="Download the tally as CSV")
def download_csv(
    year: YearPath,
    exporter: Exporter,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
    view: ViewQuery = "members",
) -> Response:
    """One table (`view`: members, contacts, sectors, committees, standing, missing) as
    UTF-8 CSV with a byte-order mark; each row ends with the rules version and time."""
    return _download("csv", year, exporter, session, settings, committee, view)


@router.get("/{year}.xlsx", response_class=Response, summary="Download the tally as XLSX")
def download_xlsx(
    year: YearPath,
    exporter: Exporter,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
) -> Response:
    """A workbook with one sheet per view (委员, 联系对象, 界别, 政协工委, 常委, 缺卡清单,
    说明), set up to print on A4 landscape."""
    return _download("xlsx", year, exporter, session, settings, committee, "members")


@router.get("/{year}.json", response_class=Response, summary="Download the tally as JSON")
def download_json(
    year: YearPath,
    exporter: Exporter,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
) -> Response:
    """Everything (the shape of `YearTallyPublic`): overview, members, contacts, rows."""
    return _download("json", year, exporter, session, settings, committee, "members")


@router.get("/{year}", summary="The year at a glance")
def overview(
    year: YearPath,
    reader: Reader,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
) -> TallyOverview:
    """Rules (with version), totals, the standing committee, sectors, committees, visits
    by month and the forms in review that nobody is linked to yet."""
    return TallyOverview.of(_tally(session, reader, settings, year, committee))


@router.get("/{year}/rules", summary="The assessment rules of the year")
def rules(year: YearPath, reader: Reader, settings: SettingsDep) -> RulesPublic:
    """The contacts, visits and deadlines a member is assessed by, and their version."""
    from records.assessment_rules import load_rules

    del reader
    try:
        return RulesPublic.of(load_rules(year, rules_dir=settings.rules_dir))
    except RulesError as e:
        raise AppError(
            "本年度考核规则文件有误，请联系管理员。", str(e), code="rules_invalid", status=500
        ) from e


@router.get("/{year}/members", summary="Every member's numbers and assessment")
def members(
    year: YearPath,
    reader: Reader,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
    status: MemberStatus | None = None,
    standing: bool | None = None,
) -> list[MemberSummaryPublic]:
    """Members by code, filtered; each with status, reasons and the page ids behind it."""
    result = _tally(session, reader, settings, year, committee)
    return [
        MemberSummaryPublic.of(m)
        for m in result.members
        if (sector is None or m.sector == sector)
        and (status is None or m.status == status)
        and (standing is None or m.standing == standing)
    ]


@router.get("/{year}/members/{member_id}", summary="One member with every contact's card")
def member(
    year: YearPath,
    member_id: int,
    reader: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> MemberTallyPublic:
    """The drill-down: each contact's card state, counts, counted/duplicate/in-review page
    ids and the rows that were counted."""
    row = session.get(Member, member_id)
    if (
        row is None
        or row.year != year
        or (reader.committee is not None and row.committee != reader.committee)
    ):
        raise NotFound(
            f"{year} 年名单中没有委员 {member_id}。", f"No member {member_id} in {year}."
        )
    found = _tally(session, reader, settings, year, row.committee).member(member_id)
    if found is None:  # pragma: no cover - the member was just read
        raise NotFound(
            f"{year} 年名单中没有委员 {member_id}。", f"No member {member_id} in {year}."
        )
    return MemberTallyPublic.of(found)


@router.get("/{year}/sectors", summary="Totals per sector (界别)")
def sectors(
    year: YearPath,
    reader: Reader,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
) -> list[GroupTallyPublic]:
    return [
        GroupTallyPublic.of(g) for g in _tally(session, reader, settings, year, committee).by_sector
    ]


@router.get("/{year}/committees", summary="Totals per committee (政协工委)")
def committees(
    year: YearPath,
    reader: Reader,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
) -> list[GroupTallyPublic]:
    result = _tally(session, reader, settings, year, committee)
    return [GroupTallyPublic.of(g) for g in result.by_committee]


@router.get("/{year}/completeness", summary="Which cards are in, missing or in review")
def completeness(
    year: YearPath,
    reader: Reader,
    session: SessionDep,
    settings: SettingsDep,
    committee: CommitteeQuery = None,
    incomplete: Annotated[
        bool, Query(description="only members with a card missing or in review")
    ] = False,
) -> list[MemberCompleteness]:
    """Per member, each registered contact's card state, to chase cards before the deadline."""
    result = _tally(session, reader, settings, year, committee)
    return [
        MemberCompleteness.of(m)
        for m in result.members
        if not incomplete or m.cards_missing or m.cards_in_review
    ]
