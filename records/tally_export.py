"""The tally as files: CSV (UTF-8 with BOM, one view), JSON (everything) and XLSX (one sheet
per view, set up to print: A4 landscape, fit to width, header row repeated and frozen).

Every file names the rules version and when it was generated. Callers pass a tally that is
already masked for the reader (`records.tally.masked`) and record the export in the audit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from records.gc_pause import gc_paused
from records.tally_model import CardState, ContactTally, GroupTally, MemberTally, YearTally
from records.tally_public import year_dict

TALLY_FORMATS = ("csv", "xlsx", "json")
CSV_BOM = "\ufeff"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": XLSX_MEDIA_TYPE,
}
Cell = str | int | float | date | None
WRAP_WIDTH = 28  # columns with longer texts wrap (in half-width characters)


@dataclass(frozen=True)
class View:
    """One table of the tally: a sheet of the workbook, or the rows of a CSV."""

    sheet: str
    headers: tuple[str, ...]
    rows: Callable[[YearTally], list[list[Cell]]]


MEMBER_HEADERS = (
    "委员编号", "姓名", "界别", "政协工委", "常委", "考核结果", "原因", "登记联系对象数",
    "走访达标对象数", "上门走访合计", "电话联系合计", "其他联系合计", "服务卡已收到",
    "服务卡未收到", "服务卡审核中", "登记表收到日期", "登记表逾期", "备注", "相关页面编号",
)  # fmt: skip
CONTACT_HEADERS = (
    "委员编号", "委员姓名", "政协工委", "序号", "联系对象", "联系电话", "已登记", "服务卡状态",
    "上门走访", "电话联系", "其他联系", "走访月份", "收到日期", "逾期", "计数页面",
    "重复页面", "审核中页面",
)  # fmt: skip
GROUP_HEADERS = (
    "委员数", "达标", "未达标", "待审核", "达标率", "登记联系对象", "走访达标对象",
    "上门走访合计", "服务卡已收到", "服务卡未收到", "服务卡审核中",
)  # fmt: skip
MISSING_HEADERS = (
    "政协工委", "委员编号", "委员姓名", "序号", "联系对象", "联系电话", "服务卡状态", "审核中页面",
)  # fmt: skip


def _ids(ids: Sequence[int]) -> str:
    return " ".join(str(i) for i in ids)


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def member_row(m: MemberTally) -> list[Cell]:
    return [
        m.code, m.name, m.sector, m.committee, _yes(m.standing), m.status.label,
        "；".join(m.reasons), m.contacts_registered, m.contacts_met, m.total_visits,
        m.total_phone_calls, m.total_other, m.cards_in, m.cards_missing, m.cards_in_review,
        m.registration_received, _yes(m.registration_late) if m.registration_received else None,
        "；".join(m.notes), _ids(m.page_ids),
    ]  # fmt: skip


def contact_row(m: MemberTally, c: ContactTally) -> list[Cell]:
    return [
        m.code, m.name, m.committee, c.contact_no, c.name, c.phone, _yes(c.registered),
        c.state.label, c.visits, c.phone_calls, c.other,
        "、".join(f"{month}月" for month in c.visit_months), c.received,
        _yes(c.late) if c.received else None, c.counted_page_id, _ids(c.duplicate_page_ids),
        _ids(c.in_review_page_ids),
    ]  # fmt: skip


def group_row(g: GroupTally) -> list[Cell]:
    return [
        g.key, g.members, g.met, g.not_met, g.pending, f"{g.share_met:.0%}",
        g.contacts_registered, g.contacts_met, g.total_visits, g.cards_in, g.cards_missing,
        g.cards_in_review,
    ]  # fmt: skip


def _members(t: YearTally) -> list[list[Cell]]:
    return [member_row(m) for m in t.members]


def _contacts(t: YearTally) -> list[list[Cell]]:
    return [contact_row(m, c) for m in t.members for c in m.contacts]


def _standing(t: YearTally) -> list[list[Cell]]:
    return [member_row(m) for m in t.members if m.standing]


def _missing(t: YearTally) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for m in sorted(t.members, key=lambda m: (m.committee or "", m.code)):
        for c in m.contacts:
            if c.registered and c.state != CardState.received:
                rows.append([
                    m.committee, m.code, m.name, c.contact_no, c.name, c.phone, c.state.label,
                    _ids(c.in_review_page_ids),
                ])  # fmt: skip
    return rows


VIEWS: dict[str, View] = {
    "members": View("委员", MEMBER_HEADERS, _members),
    "contacts": View("联系对象", CONTACT_HEADERS, _contacts),
    "sectors": View(
        "界别", ("界别", *GROUP_HEADERS), lambda t: [group_row(g) for g in t.by_sector]
    ),
    "committees": View(
        "政协工委", ("政协工委", *GROUP_HEADERS), lambda t: [group_row(g) for g in t.by_committee]
    ),
    "standing": View("常委", MEMBER_HEADERS, _standing),
    "missing": View("缺卡清单", MISSING_HEADERS, _missing),
}


def generated_text(t: YearTally) -> str:
    """When the tally was computed, in the server's local time."""
    return t.generated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def tally_csv(t: YearTally, view: str = "members") -> str:
    """One view as CSV with a byte-order mark (Excel and WPS read it right); every row ends
    with the rules version and the generation time."""
    chosen = VIEWS[view]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*chosen.headers, "考核规则版本", "生成时间"])
    stamp = [t.rules.version, generated_text(t)]
    for row in chosen.rows(t):
        writer.writerow([_csv_cell(v) for v in row] + stamp)
    return CSV_BOM + out.getvalue()


def tally_json(t: YearTally) -> str:
    """Everything, in the shape of the API's `YearTallyPublic` (built as plain dicts: a
    model per row would cost most of the time on a big year)."""
    return json.dumps(year_dict(t), ensure_ascii=False, default=_json_value)


def tally_xlsx(t: YearTally) -> bytes:
    """A workbook with a sheet per view and a 说明 sheet with the rules, ready to print."""
    from openpyxl import Workbook

    book = Workbook()
    _add_body_styles(book)
    notes = book.active
    assert notes is not None
    for view in VIEWS.values():
        _sheet(book.create_sheet(view.sheet), view.headers, view.rows(t), t, view.sheet)
    notes.title = "说明"
    _sheet(notes, ("项目", "内容"), _about(t), t, "说明")
    book.move_sheet(notes, offset=len(VIEWS))  # last
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tally_file(t: YearTally, fmt: str, view: str = "members") -> bytes:
    """The tally in one of `TALLY_FORMATS`, as bytes to write or send."""
    with gc_paused():
        if fmt == "csv":
            return tally_csv(t, view).encode("utf-8")
        if fmt == "json":
            return tally_json(t).encode("utf-8")
        if fmt == "xlsx":
            return tally_xlsx(t)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(TALLY_FORMATS)}")


def file_name(t: YearTally, fmt: str) -> str:
    """`tally-2026.xlsx`, or `tally-2026-新桥镇.xlsx` for one committee (ASCII-safe callers
    quote it)."""
    scope = f"-{t.committee}" if t.committee else ""
    return f"tally-{t.year}{scope}.{fmt}"


# --- helpers -------------------------------------------------------------------------------


def _json_value(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _csv_cell(value: Cell) -> Cell:
    return value.isoformat() if isinstance(value, date) else value


def _about(t: YearTally) -> list[list[Cell]]:
    r = t.rules
    return [
        ["年度", t.year],
        ["考核规则版本", r.version],
        ["规则来源", "政策默认（靖协发〔2014〕7号）" if r.source == "policy" else r.source],
        ["联系对象人数", f"{r.min_contacts}–{r.max_contacts} 名"],
        ["每名联系对象上门走访", f"每年不少于 {r.min_visits_per_contact} 次"],
        ["登记表报送截止", r.registration_due],
        ["服务卡寄回截止", r.card_due],
        ["生成时间", generated_text(t)],
        ["范围", t.committee or "全部政协工委"],
        ["统计口径", "只计已确认的登记表和服务卡；有页面仍在审核中的委员为“待审核”。"],
        ["重复服务卡", "同一委员、同一联系对象的第二张已确认服务卡标为疑似重复，不重复计数。"],
        ["尚未关联委员的审核中页面", _ids(t.unlinked_in_review) or "无"],
    ]


def _width(value: Any) -> int:
    text = value.isoformat() if isinstance(value, date | datetime) else str(value or "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# Body cells take one of these named styles (top-aligned; wrapped or not; a date or not).
# Naming a style per cell is a lookup; setting alignment and format per cell makes openpyxl
# compare style objects for each of the ~40 000 cells of a 300-member year (about a second).
BODY_STYLES = {
    (wrap, is_date): f"正文{'换行' if wrap else ''}{'日期' if is_date else ''}"
    for wrap in (False, True)
    for is_date in (False, True)
}


def _add_body_styles(book: Any) -> None:
    from openpyxl.styles import Alignment, NamedStyle

    for (wrap, is_date), name in BODY_STYLES.items():
        style = NamedStyle(name=name)
        style.alignment = Alignment(vertical="top", wrap_text=wrap or None)
        if is_date:
            style.number_format = "yyyy-mm-dd"
        book.add_named_style(style)


def _sheet(
    ws: Any, headers: Sequence[str], rows: list[list[Cell]], t: YearTally, title: str
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # Headers wrap onto two lines and long texts (reasons, notes, page ids) wrap in their
    # cell, so a member's row fits an A4 landscape page at a readable size.
    wrapped = set()
    for index, header in enumerate(headers, start=1):
        content = max((_width(r[index - 1]) for r in rows), default=0)
        if content > WRAP_WIDTH:
            wrapped.add(index)
        width = max(min(content, WRAP_WIDTH), -(-_width(header) // 2), 4) + 2
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[1].height = 30
    for row in ws.iter_rows(min_row=2):
        lines = 1
        for cell in row:
            wrap = cell.column in wrapped
            cell.style = BODY_STYLES[wrap, isinstance(cell.value, date)]
            if wrap:
                lines = max(lines, -(-_width(cell.value) // (WRAP_WIDTH - 6)))
        if lines > 1:  # spreadsheet programs do not grow rows on opening: say how tall
            ws.row_dimensions[row[0].row].height = 15 * lines
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.oddHeader.center.text = f"{t.year} 年度委员联系群众情况 · {title}"
    ws.oddHeader.right.text = f"规则 {t.rules.version}"
    ws.oddFooter.left.text = f"生成于 {generated_text(t)}"
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
