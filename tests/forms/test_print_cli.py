"""`cardscan print`: one card per confirmed contact, one form R per member, blank forms,
filters, clear refusals, and an audit entry for every run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings
from ocr.parse.codes import parse_card_code
from ocr.qr import read_qr_texts
from records.audit import AuditEvent
from records.db import make_engine, session_scope
from samples.printed import rasterize
from tests.forms.print_data import CONTACTS, YEAR, setup_database

runner = CliRunner()


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))


def test_cards_one_per_confirmed_contact_with_their_codes(settings: Settings, tmp_path: Path
                                                          ) -> None:
    setup_database(settings)
    out = tmp_path / "cards.pdf"
    result = runner.invoke(cli, ["print", "cards", "--year", str(YEAR), "--output", str(out)])
    assert result.exit_code == 0, result.output
    # JJ0103 has no confirmed form R: named, no card.
    assert "JJ0103" in result.output
    assert _pages(out) == sum(len(c) for c in CONTACTS.values())
    text = _text(out)
    assert "孟波春" in text and "陈静" in text and "0523-84812347" in text
    codes = []
    for sheet in rasterize(out, 150):
        found = read_qr_texts(sheet)
        assert len(found) == 1
        codes.append(parse_card_code(found[0]))
    wanted = {(code, no) for code, contacts in CONTACTS.items() for no in contacts}
    assert {(c.member_code, c.contact_no) for c in codes if c} == wanted
    assert all(c is not None and c.year == YEAR for c in codes)


def test_filters_by_member_and_committee(settings: Settings, tmp_path: Path) -> None:
    setup_database(settings)
    out = tmp_path / "one.pdf"
    args = ["print", "cards", "--year", str(YEAR), "--output", str(out)]
    assert runner.invoke(cli, [*args, "--member", "JJ0102"]).exit_code == 0
    assert _pages(out) == len(CONTACTS["JJ0102"])
    assert runner.invoke(cli, [*args, "--committee", "靖城街道"]).exit_code == 0
    assert _pages(out) == len(CONTACTS["JJ0102"])
    result = runner.invoke(cli, [*args, "--member", "JJ9999"])
    assert result.exit_code == 2 and "no roster member matches" in result.output


def test_registration_one_per_member(settings: Settings, tmp_path: Path) -> None:
    setup_database(settings)
    out = tmp_path / "r.pdf"
    result = runner.invoke(cli, ["print", "registration", "--year", str(YEAR), "--output",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert _pages(out) == 3
    assert "欧阳晓莉" in _text(out)
    codes = sorted(read_qr_texts(sheet)[0] for sheet in rasterize(out, 150))
    assert codes == [f"RT1|{YEAR}|JJ0101", f"RT1|{YEAR}|JJ0102", f"RT1|{YEAR}|JJ0103"]


def test_blank_forms_carry_no_code_and_no_personal_data(settings: Settings, tmp_path: Path
                                                        ) -> None:
    setup_database(settings)
    for command in ("cards", "registration"):
        out = tmp_path / f"{command}.pdf"
        result = runner.invoke(cli, ["print", command, "--year", str(YEAR), "--blank",
                                     "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert _pages(out) == 1
        text = _text(out)
        assert "孟波春" not in text and "1380000" not in text
        assert read_qr_texts(rasterize(out, 150)[0]) == []
    bad = runner.invoke(cli, ["print", "cards", "--year", str(YEAR), "--blank", "--member",
                              "JJ0101", "--output", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2


def test_no_roster_for_the_year_is_refused_with_the_fix(settings: Settings, tmp_path: Path
                                                        ) -> None:
    setup_database(settings)
    out = tmp_path / "cards.pdf"
    result = runner.invoke(cli, ["print", "cards", "--year", "2031", "--output", str(out)])
    assert result.exit_code == 2
    assert "roster import" in result.output
    assert not out.exists()


def test_every_run_is_audited_without_personal_data(settings: Settings, tmp_path: Path) -> None:
    setup_database(settings)
    out = tmp_path / "cards.pdf"
    runner.invoke(cli, ["print", "cards", "--year", str(YEAR), "--committee", "新桥镇",
                        "--output", str(out)])
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "print_forms")).all()
        assert len(events) == 1
        detail = events[0].detail
        assert detail["form"] == "service_card" and detail["pages"] == 3
        assert detail["filters"]["committee"] == "新桥镇"
        assert "孟波春" not in str(detail)
    engine.dispose()
