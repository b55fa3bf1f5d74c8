"""The report screens: the year's tally per member, per sector and per committee, a member's
contacts and cards (the drill-down), completeness for chasing cards, and the dashboard.

Every number comes from `records.tally.tally_year` (confirmed data only, recomputed on each
request), scoped to the viewer's committee and masked for roles without personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from api.deps import Principal, SessionDep, SettingsDep
from api.errors import AppError, Forbidden, NotFound
from api.permissions import Can
from api.routes.roster import visible_member
from api.settings import Settings
from forms.vocabulary import COMMITTEES, SECTORS
from records.assessment_rules import RulesError
from records.tally import (
    CardState,
    GroupTally,
    MemberStatus,
    MemberTally,
    YearTally,
    group_tally,
    masked,
    tally_year,
)
from review_ui import charts, labels
from review_ui.roster_screens import chosen_year, roster_years, year_choices
from review_ui.session import ScreenUser, screen_context

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    manner_label=lambda code: labels.label(labels.MANNER_LABELS, code),
    day=lambda d: f"{d.month}月{d.day}日" if d else "",
)
router = APIRouter(include_in_schema=False)
MONTHS = tuple(f"{m}月" for m in range(1, 13))
DOWNLOAD_FORMATS = (("csv", "CSV"), ("xlsx", "Excel（XLSX）"), ("json", "JSON"))


@dataclass(frozen=True)
class MemberFilter:
    """Which members a report lists; the viewer's committee is applied before this."""

    sector: str | None = None
    status: MemberStatus | None = None
    standing: bool | None = None
    only: str | None = None  # completeness: "missing" or "in_review" members only

    def keeps(self, m: MemberTally) -> bool:
        return (
            (self.sector is None or (m.sector or "") == self.sector)
            and (self.status is None or m.status == self.status)
            and (self.standing is None or m.standing == self.standing)
            and (self.only != "missing" or m.cards_missing > 0 or m.registration_page_id is None)
            and (
                self.only != "in_review" or m.cards_in_review > 0 or bool(m.registration_in_review)
            )
        )


def _reporter(user: Principal) -> None:
    if not user.can(Can.see_reports):
        raise Forbidden(
            "您的角色不能查看统计报表。", f"Your role ({user.role}) may not see reports."
        )


def _choice(text: str | None, allowed: Any) -> str | None:
    return text if text and text in allowed else None


def year_tally(
    session: Session, settings: Settings, user: Principal, year: int, committee: str | None
) -> YearTally:
    """The year's tally as this viewer may see it (their committee only, phones masked),
    by the same rules as the API's."""
    try:
        tally = tally_year(
            session, year, committee=user.committee or committee, rules_dir=settings.rules_dir
        )
    except RulesError as e:
        raise AppError(
            "本年度考核规则文件有误，请联系管理员。", str(e), code="rules_invalid", status=500
        ) from e
    return tally if user.can(Can.see_personal_data) else masked(tally)


def download_links(
    year: int, committee: str | None, *, csv_view: str = "members"
) -> list[tuple[str, str]]:
    """The tally downloads (api/routes/tally.py) for the year and committee shown; the CSV
    holds one table, ``csv_view`` (the XLSX has a sheet per table)."""
    query = {"committee": committee} if committee else {}
    out = []
    for fmt, text in DOWNLOAD_FORMATS:
        wanted = {**query, "view": csv_view} if fmt == "csv" and csv_view != "members" else query
        suffix = f"?{urlencode(wanted)}" if wanted else ""
        out.append((text, f"/api/v1/tally/{year}.{fmt}{suffix}"))
    return out


def _common(
    session: Session,
    user: Principal,
    year: str | None,
    committee: str | None,
    csv_view: str = "members",
) -> tuple[int, str | None, dict[str, Any]]:
    """Year and committee asked for (the viewer's committee wins) and the filter form's data."""
    years = roster_years(session)
    wanted = chosen_year(year, years)
    chosen = user.committee or _choice(committee, COMMITTEES)
    context = {
        "year": wanted,
        "years": year_choices(years, wanted),
        "committee": chosen or "",
        "committees": list(COMMITTEES),
        "sectors": list(SECTORS),
        "statuses": list(MemberStatus),
        "downloads": download_links(wanted, chosen, csv_view=csv_view)
        if user.can(Can.export)
        else [],
        "can_see_pages": user.can(Can.see_pages),
        **screen_context(user),
    }
    return wanted, chosen, context


@router.get("/reports", response_class=HTMLResponse)
def reports_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    settings: SettingsDep,
    year: str | None = None,
    committee: str | None = None,
    sector: str | None = None,
    status: str | None = None,
    standing: str | None = None,
) -> Response:
    """Per member (standing-committee members first, as their own group), then per sector
    and per committee; each number links to the members or cards behind it."""
    _reporter(user)
    wanted, chosen, context = _common(session, user, year, committee)
    tally = year_tally(session, settings, user, wanted, chosen)
    wanted_filter = MemberFilter(
        sector=_choice(sector, SECTORS),
        status=MemberStatus(status) if status and status in MemberStatus.__members__ else None,
        standing={"1": True, "0": False}.get(standing or ""),
    )
    shown = [m for m in tally.members if wanted_filter.keeps(m)]
    others = [m for m in tally.members if not m.standing]
    query = {"year": wanted, "committee": chosen or ""}
    return templates.TemplateResponse(
        request,
        "reports.html",
        {
            **context,
            "tally": tally,
            "filter": wanted_filter,
            "sector": wanted_filter.sector or "",
            "status": wanted_filter.status.value if wanted_filter.status else "",
            "standing": standing if standing in ("0", "1") else "",
            "groups": [
                ("常委", [m for m in shown if m.standing]),
                ("其他委员", [m for m in shown if not m.standing]),
            ],
            "summary": [
                ("全部委员", tally.overall, ""),
                ("常委", tally.standing, "standing=1"),
                ("其他委员", group_tally("others", "其他委员", others), "standing=0"),
            ],
            "base_query": urlencode(query),
            "filtered": shown != list(tally.members),
        },
    )


@router.get("/reports/members/{member_id}", response_class=HTMLResponse)
def member_report(
    member_id: int,
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One member's year: status and reasons, form R, and every contact with its cards."""
    _reporter(user)
    member = visible_member(session, user, member_id)
    tally = year_tally(session, settings, user, member.year, member.committee)
    found = tally.member(member_id)
    if found is None:
        raise NotFound(f"委员 {member_id} 不存在。", f"Member {member_id} does not exist.")
    return templates.TemplateResponse(
        request,
        "reports_member.html",
        {
            "m": found,
            "year": member.year,
            "rules": tally.rules,
            "CardState": CardState,
            "can_see_pages": user.can(Can.see_pages),
            **screen_context(user),
        },
    )


@router.get("/reports/completeness", response_class=HTMLResponse)
def completeness_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    settings: SettingsDep,
    year: str | None = None,
    committee: str | None = None,
    sector: str | None = None,
    only: str | None = None,
) -> Response:
    """For every member, which contacts' cards are in, missing or still in review."""
    _reporter(user)
    wanted, chosen, context = _common(session, user, year, committee, csv_view="missing")
    tally = year_tally(session, settings, user, wanted, chosen)
    wanted_filter = MemberFilter(
        sector=_choice(sector, SECTORS), only=_choice(only, ("missing", "in_review"))
    )
    shown = sorted(
        (m for m in tally.members if wanted_filter.keeps(m)),
        key=lambda m: (m.committee or "", m.code),
    )
    due = tally.rules.card_due
    today = date.today()
    return templates.TemplateResponse(
        request,
        "reports_completeness.html",
        {
            **context,
            "tally": tally,
            "members": shown,
            "sector": wanted_filter.sector or "",
            "only": wanted_filter.only or "",
            "due": due,
            "days_left": (due - today).days if today <= due else None,
            "CardState": CardState,
            "totals": group_tally("shown", "", shown),
        },
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    settings: SettingsDep,
    year: str | None = None,
    committee: str | None = None,
) -> Response:
    """Share met / not met / pending, visits by month, and missing cards by committee."""
    _reporter(user)
    wanted, chosen, context = _common(session, user, year, committee)
    tally = year_tally(session, settings, user, wanted, chosen)
    overall = tally.overall
    status_slices = [
        charts.Slice(MemberStatus.met.label, overall.met, charts.MET_COLOR),
        charts.Slice(MemberStatus.not_met.label, overall.not_met, charts.NOT_MET_COLOR),
        charts.Slice(MemberStatus.pending.label, overall.pending, charts.PENDING_COLOR),
    ]
    missing = sorted(
        ((g.key, g.cards_missing) for g in tally.by_committee if g.cards_missing),
        key=lambda row: -row[1],
    )
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            **context,
            "tally": tally,
            "status_slices": status_slices,
            "status_chart": charts.donut(
                status_slices,
                title="委员考核结果",
                center=f"{overall.share_met:.0%}",
                caption="达标率",
            ),
            "months": list(zip(MONTHS, tally.visits_by_month, strict=True)),
            "months_chart": charts.columns(MONTHS, tally.visits_by_month, title="各月上门走访次数"),
            "missing": missing,
            "missing_chart": charts.bars(missing, title="各政协工委未收到的服务卡"),
            "committee_groups": tally.by_committee,
        },
    )


def group_link(group: GroupTally) -> str:
    """The member-list filter of a group row (empty for the 未填 group)."""
    if group.kind == "sector" and group.key in SECTORS:
        return urlencode({"sector": group.key})
    if group.kind == "committee" and group.key in COMMITTEES:
        return urlencode({"committee": group.key})
    return ""


templates.env.globals.update(group_link=group_link)
