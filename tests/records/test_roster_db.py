"""The roster in the database: import by code per year, and `cardscan roster import`."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from records.db import init_db, make_engine, session_scope
from records.models import Member
from records.roster import RosterImport, import_roster_rows, list_members
from records.roster_file import RosterRow, read_roster

ROSTER_DIR = Path(__file__).parents[1] / "data" / "roster"
runner = CliRunner()

ZHANG = RosterRow(2, "JJ0001", "张三", "民革", "新桥镇", "13800000001", standing=True)
LI = RosterRow(3, "JJ0002", "李四", "民盟", "靖城街道", "0523-84810002", standing=False)
WANG = RosterRow(4, "JJ0003", "王五", "九三学社", None, None, standing=False)


def members(session: Session, year: int) -> dict[str, Member]:
    return {m.code: m for m in list_members(session, year=year)}


def test_an_import_adds_the_members(session: Session) -> None:
    result = import_roster_rows(session, year=2026, rows=[ZHANG, LI, WANG])
    assert result == RosterImport(year=2026, added=3, updated=0, unchanged=0)
    stored = members(session, 2026)
    assert list(stored) == ["JJ0001", "JJ0002", "JJ0003"]
    zhang = stored["JJ0001"]
    assert (zhang.name, zhang.sector, zhang.committee) == ("张三", "民革", "新桥镇")
    assert (zhang.phone, zhang.standing) == ("13800000001", True)
    assert stored["JJ0003"].phone is None


def test_a_second_import_updates_by_code_and_keeps_members_it_lacks(session: Session) -> None:
    import_roster_rows(session, year=2026, rows=[ZHANG, LI, WANG])
    ids = {code: m.id for code, m in members(session, 2026).items()}
    moved = RosterRow(2, "JJ0001", "张三", "民革", "新桥镇", "13900000009", standing=True)
    result = import_roster_rows(session, year=2026, rows=[moved, LI])  # 王五 left off
    assert result == RosterImport(year=2026, added=0, updated=1, unchanged=1)
    stored = members(session, 2026)
    assert {code: m.id for code, m in stored.items()} == ids  # same rows, none lost
    assert stored["JJ0001"].phone == "13900000009"
    assert stored["JJ0003"].name == "王五"


def test_the_same_file_twice_changes_nothing(session: Session) -> None:
    import_roster_rows(session, year=2026, rows=[ZHANG, LI])
    again = import_roster_rows(session, year=2026, rows=[ZHANG, LI])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_rosters_of_different_years_are_separate(session: Session) -> None:
    import_roster_rows(session, year=2025, rows=[ZHANG, LI])
    renamed = RosterRow(2, "JJ0001", "张叁", "民革", "新桥镇", "13800000001", standing=False)
    result = import_roster_rows(session, year=2026, rows=[renamed])
    assert (result.added, result.updated) == (1, 0)  # the same code in another year is new
    old, new = members(session, 2025), members(session, 2026)
    assert list(old) == ["JJ0001", "JJ0002"] and list(new) == ["JJ0001"]
    assert (old["JJ0001"].name, new["JJ0001"].name) == ("张三", "张叁")
    assert old["JJ0001"].id != new["JJ0001"].id
    assert old["JJ0001"].standing is True


# --- `cardscan roster import` -------------------------------------------------------------


def stored_members(settings: Settings, year: int) -> dict[str, str]:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        rows = session.exec(select(Member).where(Member.year == year)).all()
        found = {m.code: m.name for m in rows}
    engine.dispose()
    return found


def squashed(text: str) -> str:
    """Console output without the line breaks and padding rich adds to fit the terminal."""
    return "".join(text.split())


def test_cli_imports_a_utf8_bom_csv(settings: Settings) -> None:
    path = ROSTER_DIR / "roster-utf8-bom.csv"
    result = runner.invoke(app, ["roster", "import", str(path), "--year", "2026"])
    assert result.exit_code == 0, result.output
    out = squashed(result.stdout)
    assert "2026年名单roster" in out
    assert "新增added5" in out and "更新updated0" in out and "错误行rowswitherrors0" in out
    assert stored_members(settings, 2026) == {
        "JJ0001": "张三",
        "JJ0002": "李四",
        "JJ0003": "王五",
        "JJ0004": "赵六",
        "JJ0005": "钱七",
    }
    assert stored_members(settings, 2025) == {}
    again = runner.invoke(app, ["roster", "import", str(path), "--year", "2026"])
    assert again.exit_code == 0
    assert "新增added0" in squashed(again.stdout) and "未变unchanged5" in squashed(again.stdout)


def test_cli_reports_bad_rows_and_still_imports_the_good_ones(settings: Settings) -> None:
    path = ROSTER_DIR / "roster-bad-rows.csv"
    read = read_roster(path)
    result = runner.invoke(app, ["roster", "import", str(path), "--year", "2026"])
    assert result.exit_code == 1
    reported = [int(n) for n in re.findall(r"^第 (\d+) 行", result.stderr, re.MULTILINE)]
    assert reported == [3, 4, 5, 6, 7, 8, 9, 10]  # one line per problem, good rows not named
    assert "委员编号「JJ0201」与第 2 行重复" in result.stderr
    assert "错误行rowswitherrors8" in squashed(result.stdout)
    stored = stored_members(settings, 2026)
    assert set(stored) == {row.code for row in read.rows}
    assert stored["JJ0201"] == "郑一"  # not the duplicate 陈三 of row 5
    assert "JJ0211" in stored and "JJ0209" not in stored


def test_cli_refuses_a_file_that_is_no_roster(settings: Settings) -> None:
    path = ROSTER_DIR / "not-a-roster.xlsx"
    result = runner.invoke(app, ["roster", "import", str(path), "--year", "2026"])
    assert result.exit_code == 1
    assert path.name in squashed(result.stderr)
    assert stored_members(settings, 2026) == {}
