"""The roster screens: a year's members, add and edit, import from the browser, by role."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.settings import Settings
from records.db import init_db, make_engine
from records.models import Member
from tests.api.test_admin_screens import session_client
from tests.conftest import add_user
from tests.records.linking_data import YEAR, add_roster

HEADER = "委员编号,姓名,界别,政协工委,联系电话,是否常委\n"


def with_roster(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with Session(engine) as session:
        add_roster(session)
        session.commit()
    engine.dispose()


def members(settings: Settings, year: int = YEAR) -> dict[str, Member]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        found = {m.code: m for m in session.exec(select(Member).where(Member.year == year))}
    engine.dispose()
    return found


def rows_of(html: str, table_id: str) -> list[str]:
    """The text of each body row of the table with ``table_id``."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = "".join(re.findall(r"<tbody[^>]*>(.*?)</tbody>", table, flags=re.S))
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in body.split("</tr>")
        if "<td" in row
    ]


def test_an_admin_adds_edits_and_filters_members(settings: Settings) -> None:
    add_user(settings, "boss", "admin")
    with_roster(settings)
    client, csrf = session_client(settings, "boss")
    page = client.get(f"/roster?year={YEAR}")
    assert page.status_code == 200 and f"委员名单 · {YEAR} 年" in page.text
    assert len(rows_of(page.text, "roster")) == 3
    assert "13800000001" in page.text  # an admin sees phones
    assert 'id="add-member"' in page.text and 'id="import-roster"' in page.text

    new = {
        "year": str(YEAR),
        "code": "jj0100",
        "name": "赵敏",
        "sector": "民盟",
        "committee": "新桥镇",
        "phone": "139 0000 0100",
        "standing": "1",
    }
    assert client.post("/roster/members", data={**new, "csrf_token": "forged"}).status_code == 403
    added = client.post("/roster/members", data={**new, "csrf_token": csrf})
    assert added.status_code == 303 and "JJ0100" in added.headers["location"]
    zhao = members(settings)["JJ0100"]
    assert (zhao.name, zhao.phone, zhao.standing) == ("赵敏", "13900000100", True)
    again = client.post("/roster/members", data={**new, "csrf_token": csrf})
    shown = client.get(again.headers["location"])
    assert "已有委员编号「JJ0100」" in shown.text  # the API's refusal, in Chinese

    changed = client.post(
        f"/roster/members/{zhao.id}",
        data={
            "code": "JJ0100",
            "name": "赵敏",
            "sector": "民进",
            "committee": "东兴镇",
            "phone": "",
            "csrf_token": csrf,
        },
    )
    assert changed.status_code == 303
    zhao = members(settings)["JJ0100"]
    assert (zhao.sector, zhao.committee, zhao.phone, zhao.standing) == (
        "民进",
        "东兴镇",
        None,
        False,
    )
    bad = client.post(
        f"/roster/members/{zhao.id}", data={"code": "J J", "name": "赵敏", "csrf_token": csrf}
    )
    assert "委员编号只能由字母" in client.get(bad.headers["location"]).text

    by_committee = client.get(f"/roster?year={YEAR}&committee=新桥镇")
    assert [r.split()[0] for r in rows_of(by_committee.text, "roster")] == ["JJ0001", "JJ0003"]
    by_sector = client.get(f"/roster?year={YEAR}&sector=民进")
    assert [r.split()[0] for r in rows_of(by_sector.text, "roster")] == ["JJ0100"]
    by_name = client.get(f"/roster?year={YEAR}&q=张")
    assert [r.split()[0] for r in rows_of(by_name.text, "roster")] == ["JJ0002"]
    other_year = client.get(f"/roster?year={YEAR + 1}")
    assert rows_of(other_year.text, "roster") == [
        f"{YEAR + 1} 年名单中没有符合条件的委员。可在上方导入名单文件或逐个添加。"
    ]


def test_an_import_from_the_browser_names_each_bad_row(settings: Settings) -> None:
    add_user(settings, "boss", "admin")
    with_roster(settings)
    client, csrf = session_client(settings, "boss")
    text = (
        HEADER
        + "JJ0001,孟波春,民革,新桥镇,13800000001,否\n"  # unchanged
        + "JJ0002,张伟,民盟,东兴镇,13800000002,否\n"  # updated (committee)
        + ",无名氏,民革,新桥镇,,否\n"  # row 4: no code, not imported
        + "JJ0200,钱多,火星界,新桥镇,123,是\n"  # row 5: imported, sector and phone left empty
    )
    forged = client.post(
        "/roster/import",
        data={"year": str(YEAR), "csrf_token": "forged"},
        files={"file": ("名单.csv", text.encode("gbk"), "text/csv")},
    )
    assert forged.status_code == 403 and len(members(settings)) == 3
    sent = client.post(
        "/roster/import",
        data={"year": str(YEAR), "csrf_token": csrf},
        files={"file": ("名单.csv", text.encode("gbk"), "text/csv")},
    )
    assert sent.status_code == 200
    counts = rows_of(sent.text, "import-counts")[0].split()
    assert counts == ["1", "1", "1", "2", "0"]  # added, updated, unchanged, bad rows, relinked
    errors = rows_of(sent.text, "import-errors")
    assert errors == [
        "4 委员编号 第 4 行：委员编号为空",
        "5 界别 第 5 行：界别「火星界」不在界别名单中",
        "5 联系电话 第 5 行：联系电话「123」不是 11 位手机号或 0523 固话",
    ]
    found = members(settings)
    assert found["JJ0002"].committee == "东兴镇" and found["JJ0200"].sector is None
    assert len(found) == 4

    broken = client.post(
        "/roster/import",
        data={"year": str(YEAR), "csrf_token": csrf},
        files={"file": ("notes.csv", b"just some notes\n", "text/csv")},
    )
    assert broken.status_code == 422 and "notes.csv：前 10 行中找不到表头" in broken.text
    audit = client.get("/api/v1/audit?action=roster_imported").json()
    assert audit["total"] == 1  # the file that was no roster changed nothing
    assert audit["items"][0]["detail"] == {
        "year": YEAR,
        "added": 1,
        "updated": 1,
        "unchanged": 1,
        "errors": 3,
        "relinked": 0,
    }


def test_roles_see_the_roster_as_their_role_allows(settings: Settings) -> None:
    with_roster(settings)
    add_user(settings, "office", "office")
    add_user(settings, "town", "reviewer", committee="新桥镇")
    add_user(settings, "clerk", "clerk")
    office, csrf = session_client(settings, "office")
    page = office.get(f"/roster?year={YEAR}")
    assert page.status_code == 200 and len(rows_of(page.text, "roster")) == 3
    assert "13800000001" not in page.text and "138****0001" in page.text  # masked
    assert 'id="add-member"' not in page.text and 'id="import-roster"' not in page.text
    assert 'href="/reports"' in page.text  # the office also has the reports
    refused = office.post(
        "/roster/members",
        data={"year": str(YEAR), "code": "JJ0300", "name": "孙", "csrf_token": csrf},
    )
    assert refused.status_code == 403
    meng = members(settings)["JJ0001"]
    assert "edit-member" not in office.get(f"/roster/members/{meng.id}").text

    town, _ = session_client(settings, "town")
    listed = town.get(f"/roster?year={YEAR}&committee=靖城街道")  # their committee wins
    assert [r.split()[0] for r in rows_of(listed.text, "roster")] == ["JJ0001", "JJ0003"]
    assert 'href="/reports"' not in listed.text  # a reviewer has no reports
    zhang = members(settings)["JJ0002"]
    assert town.get(f"/roster/members/{zhang.id}").status_code == 404

    clerk, _ = session_client(settings, "clerk")
    assert clerk.get(f"/roster?year={YEAR}").status_code == 403
    assert 'href="/roster"' not in clerk.get("/batches").text
    anonymous = TestClient(office.app, follow_redirects=False)
    assert anonymous.get("/roster").headers["location"].startswith("/login")
