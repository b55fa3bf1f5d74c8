"""Benchmark of the tally and assessment (issue 6), in three parts.

1. End to end over a freshly generated batch (seed >= 10000 unless given, >= 10 members):
   roster import and ingest with the real commands, then a reviewer confirms every form
   with its ground truth through the HTTP API (FastAPI TestClient), and the tally the
   office downloads must equal the tally computed from the generator's truth, member by
   member (printed side by side).
2. 300 members x 6 confirmed cards written straight into a fresh SQLite database, and the
   real `cardscan tally --year Y --format json` timed in-process (Typer's runner), then
   `cardscan tally` as whole new processes (Python start-up included) in each format.
3. The office's XLSX of part 1 rendered by LibreOffice (`soffice --convert-to pdf`) and its
   first page by `pdftoppm` into docs/tally-xlsx.png.

    .venv/bin/python benchmarks/bench_tally.py [--members 10] [--seed N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.security import hash_password
from api.settings import Settings
from records import accounts
from records.accounts import Role
from records.contacts import Contact
from records.db import init_db, make_engine, session_scope
from records.models import Batch, Field, Member, Page, PageStatus, SourceFile
from samples.batch import generate_batch
from samples.review_replay import confirm_with_truth
from samples.tally_truth import compare, expected_tally

ROOT = Path(__file__).resolve().parent.parent
PNG = ROOT / "docs" / "tally-xlsx.png"
CARDSCAN = Path(sys.executable).with_name("cardscan")


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, CARDSCAN_DATA_DIR=str(data_dir), **extra)
    env.pop("CARDSCAN_DATABASE_URL", None)
    return env


def client(settings: Settings, name: str, role: Role) -> TestClient:
    """A TestClient signed in with a bearer token of a new user of ``role``."""
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        user = accounts.add_user(
            session, name=name, role=role, committee=None, password_hash=hash_password("x" * 12)
        )
        token, _ = accounts.create_api_token(session, user=user, label="bench")
    engine.dispose()
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})


def end_to_end(work: Path, seed: int, members: int, workers: int) -> tuple[bool, bytes]:
    """Part 1; returns whether the tally equals the truth, and the office's XLSX."""
    batch = generate_batch(work / "batch", seed=seed, members=members)
    year = int(json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["year"])
    data_dir = work / "data"
    received = date(year, 11, 30)
    rules_dir = work / "rules"
    rules_dir.mkdir()
    # The batch brings forms R in December with the cards: this year's rules report the
    # late forms R without failing them, so statuses turn on contacts, cards and visits.
    (rules_dir / f"{year}.json").write_text(
        json.dumps({"version": "bench-1", "late_registration_fails": False}), encoding="utf-8"
    )
    env = env_for(data_dir, CARDSCAN_WORKERS=str(workers), CARDSCAN_RULES_DIR=str(rules_dir))
    roster = [str(CARDSCAN), "roster", "import", str(batch / "roster.csv"), "--year", str(year)]
    subprocess.run(roster, env=env, check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    ingest = [str(CARDSCAN), "ingest", str(batch / "scans"), "--received-date", str(received)]
    done = subprocess.run(ingest, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    print(f"ingest: exit {done.returncode}, {time.perf_counter() - start:.1f} s")
    os.environ.update(CARDSCAN_DATA_DIR=str(data_dir), CARDSCAN_RULES_DIR=str(rules_dir))
    os.environ.pop("CARDSCAN_DATABASE_URL", None)
    settings = Settings()
    reviewer = client(settings, "bench-reviewer", Role.reviewer)
    office = client(settings, "bench-office", Role.office)
    start = time.perf_counter()
    replay = confirm_with_truth(reviewer, batch, year=year)
    print(
        f"review through the API: {replay.confirmed}/{replay.forms_seen} forms confirmed, "
        f"{replay.corrected_fields} fields corrected, {replay.links_set} links set, "
        f"{replay.forms_set} unrecognized pages given their form, "
        f"{time.perf_counter() - start:.1f} s"
    )
    for failure in replay.failures:
        print(f"  could not review: {failure}")
    tally = json.loads(office.get(f"/api/v1/tally/{year}.json").content)
    expected = expected_tally(batch, year=year, received=received, rules=tally["rules"])
    got = {m["code"]: m for m in tally["members"]}
    print("\nmember  truth: status visits/contact          tally: status visits/contact   same")
    for code, want in sorted(expected.items()):
        have = got.get(code, {})
        want_visits = " ".join(f"{c.contact_no}:{c.visits}" for c in want.contacts if c.card)
        have_visits = " ".join(
            f"{c['contact_no']}:{c['visits']}"
            for c in have.get("contacts", [])
            if c["state"] == "in"
        )
        same = not compare({code: want}, [have] if have else [])
        print(
            f"{code}  {want.status:<7} {want_visits:<26} {have.get('status', '-'):<7} "
            f"{have_visits:<26} {'yes' if same else 'NO'}"
        )
    problems = compare(expected, tally["members"])
    if replay.not_confirmed:
        # Part of the gap is pages the reviewer could not confirm: the truth without them.
        reachable = expected_tally(
            batch,
            year=year,
            received=received,
            rules=tally["rules"],
            leave_out=replay.not_confirmed,
        )
        rest = compare(reachable, tally["members"])
        print(
            f"without the {len(replay.not_confirmed)} page(s) that could not be confirmed, "
            f"the tally equals the truth: {'yes' if not rest else 'NO'}"
        )
        for problem in rest:
            print(f"  DIFFERENT (confirmable pages) {problem}")
    statuses = [m.status for m in expected.values()]
    print(
        f"\nmembers {len(expected)}: met {statuses.count('met')}, not met "
        f"{statuses.count('not_met')}; reasons equal for every member: {not problems}"
    )
    for problem in problems:
        print(f"  DIFFERENT {problem}")
    xlsx = office.get(f"/api/v1/tally/{year}.xlsx").content
    return not problems and not replay.failures, xlsx


def build_year(database_url: str, *, members: int, cards: int, year: int) -> None:
    """``members`` members with a confirmed form R and ``cards`` confirmed cards each (8
    written rows a card), inserted in bulk."""
    engine = make_engine(database_url)
    init_db(engine)
    rng = random.Random(7)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        batches = [
            Batch(name=n, received_date=d)
            for n, d in (("R", date(year, 4, 2)), ("S", date(year, 11, 25)))
        ]
        session.add_all(batches)
        session.flush()
        files = [
            SourceFile(
                batch_id=b.id or 0,
                original_name=f"{b.name}.pdf",
                sha256=f"{i:064x}",
                size=1,
                status="ingested",
                pages=0,
            )
            for i, b in enumerate(batches)
        ]
        session.add_all(files)
        session.flush()
        codes = [f"JJ{i:04d}" for i in range(1, members + 1)]
        session.execute(
            insert(Member),
            [
                {
                    "year": year,
                    "code": c,
                    "name": f"委员{i}",
                    "sector": "民革",
                    "committee": "新桥镇" if i % 2 else "东兴镇",
                    "standing": i % 10 == 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, c in enumerate(codes)
            ],
        )
        ids = {m.code: m.id for m in session.exec(select(Member).where(Member.year == year))}
        page_rows, next_page = [], 0
        for code in codes:
            for form, file in (("registration", files[0]),) + (("service_card", files[1]),) * cards:
                next_page += 1
                page_rows.append(
                    {
                        "id": next_page,
                        "batch_id": file.batch_id,
                        "file_id": file.id,
                        "page_no": next_page,
                        "status": PageStatus.confirmed,
                        "form": form,
                        "year": year,
                        "member_id": ids[code],
                        "link_source": "code",
                        "contact_no": None
                        if form == "registration"
                        else (next_page - 1) % (cards + 1),
                        "committee": "新桥镇",
                        "notes": [],
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
        session.execute(insert(Page), page_rows)
        fields, contacts = [], []
        for page in page_rows:
            if page["form"] == "registration":
                for no in range(1, cards + 1):
                    contacts.append(
                        {
                            "member_id": page["member_id"],
                            "contact_no": no,
                            "name": f"联系人{no}",
                            "phone": "13912345678",
                            "page_id": page["id"],
                            "received_date": date(year, 4, 2),
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                continue
            for row in range(1, 9):
                day = date(year, rng.randint(1, 11), rng.randint(1, 28)).isoformat()
                manner = rng.choice(("visit", "visit", "phone", "other"))
                for key, value in (
                    ("date", day),
                    ("manner", manner),
                    ("content", "走访了解情况"),
                    ("signed", True),
                ):
                    fields.append(
                        {
                            "page_id": page["id"],
                            "key": f"rows.{row}.{key}",
                            "value": value,
                            "confidence": 1.0,
                            "needs_review": False,
                        }
                    )
            for key in (
                "year",
                "member_name",
                "sector",
                "member_phone",
                "contact_name",
                "contact_phone",
                "committee",
            ):
                fields.append(
                    {
                        "page_id": page["id"],
                        "key": key,
                        "value": "x",
                        "confidence": 1.0,
                        "needs_review": False,
                    }
                )
        session.execute(insert(Contact), contacts)
        session.execute(insert(Field), fields)
        print(f"built {members} members, {len(page_rows)} pages, {len(fields)} fields")
    engine.dispose()


def time_cli(data_dir: Path, year: int, runs: int = 5) -> None:
    """Part 2: the real `cardscan tally` timed in-process, and once as a whole process."""
    os.environ["CARDSCAN_DATA_DIR"] = str(data_dir)
    os.environ.pop("CARDSCAN_DATABASE_URL", None)
    os.environ.pop("CARDSCAN_RULES_DIR", None)
    out = data_dir / "tally.json"
    args = ["tally", "--year", str(year), "--format", "json", "--output", str(out)]
    runner = CliRunner()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        result = runner.invoke(cli, args)
        seconds.append(time.perf_counter() - start)
        assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    cards = sum(m["cards_in"] for m in data["members"])
    print(
        f"cardscan tally (in-process CLI) over {len(data['members'])} members, {cards} cards: "
        f"first {seconds[0]:.3f} s, median {statistics.median(seconds):.3f} s, "
        f"max {max(seconds):.3f} s"
    )
    for fmt in ("csv", "json", "xlsx"):
        whole = []
        command = [*args[:3], "--format", fmt, "--output", str(data_dir / f"tally.{fmt}")]
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [str(CARDSCAN), *command],
                env=env_for(data_dir),
                check=True,
                stderr=subprocess.DEVNULL,
            )
            whole.append(time.perf_counter() - start)
        print(
            f"cardscan tally --format {fmt} as a new process (Python start-up included), "
            f"{runs} runs: first {whole[0]:.3f} s, median {statistics.median(whole):.3f} s, "
            f"max {max(whole):.3f} s"
        )


def render_png(xlsx: bytes, work: Path) -> None:
    """Part 3: XLSX -> PDF (LibreOffice) -> PNG of page 1 (poppler) in docs/."""
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        print("soffice or pdftoppm missing: no PNG")
        return
    book = work / "tally.xlsx"
    book.write_bytes(xlsx)
    profile = (work / "lo-profile").as_uri()
    start = time.perf_counter()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(book),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(work / "tally.pdf"),
            str(PNG.with_suffix("")),
        ],
        check=True,
        timeout=120,
    )
    print(f"LibreOffice rendered the XLSX in {time.perf_counter() - start:.1f} s: {PNG}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep the work folder here")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randint(10_000, 10_000_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-tally-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"seed {seed}, {args.members} members, work folder {work}\n")
    try:
        equal, xlsx = end_to_end(work / "e2e", seed, args.members, args.workers)
        print("\n--- 300 members x 6 cards on SQLite ---")
        big = work / "big"
        build_year(f"sqlite:///{big / 'cardscan.db'}", members=300, cards=6, year=2026)
        time_cli(big, 2026)
        print()
        render_png(xlsx, work / "e2e")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\ntally equal to the ground truth: {'yes' if equal else 'NO'}")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
