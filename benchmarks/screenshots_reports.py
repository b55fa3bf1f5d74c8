"""Screenshots of the report screens (docs/reports.png, docs/dashboard.png) from a populated
demo database, and how long each report screen takes to load.

The database is a reviewed year as review leaves it, built without OCR from the sample
generator's roster, contacts and visits (samples/content.py): forms R and service cards
stored with their true values, identified by their printed codes, linked and confirmed by a
reviewer; a few forms arrive late, some cards never come back, some are still in review.
The app is served on loopback and Debian's Chromium takes the pictures.

    .venv/bin/python benchmarks/screenshots_reports.py [--members 40] [--seed N]
        [--year 2026] [--out docs] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from playwright.sync_api import sync_playwright
from sqlmodel import Session

from api.app import create_app
from api.security import hash_password
from api.settings import Settings
from forms.spec import field_keys
from ocr.recognize import FieldReading
from records import accounts, crud
from records.accounts import Role
from records.db import init_db, make_engine
from records.linking import link_pages
from records.models import Page, PageStatus
from records.review import confirm_page
from records.roster import import_roster_rows
from records.roster_file import RosterRow
from samples import content

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "screenshot office password"
CHROMIUM = "/usr/bin/chromium"


class DemoYear:
    """Stores a reviewed year: batches by day received, pages with true values, confirmed."""

    def __init__(self, session: Session, year: int, rng: random.Random) -> None:
        self.session, self.year, self.rng = session, year, rng
        self.files: dict[tuple[str, date], tuple[int, int, int]] = {}
        self.reviewer = accounts.add_user(
            session, name="演示审核员", role=Role.reviewer, password_hash="x", committee=None
        )
        self.to_confirm: list[Page] = []
        self.stored: list[Page] = []

    def _file(self, kind: str, received: date) -> tuple[int, int, int]:
        """The batch and file of one day's post (a new page number each time)."""
        key = (kind, received)
        if key not in self.files:
            name = f"{'登记表' if kind == 'registration' else '服务卡'} {received:%m月%d日}"
            batch = crud.create_batch(self.session, name=name, received_date=received)
            assert batch.id is not None
            source = crud.add_source_file(
                self.session,
                batch_id=batch.id,
                original_name=f"{name}.pdf",
                sha256=f"{len(self.files) + 1:064x}",
                size=1,
                kind="pdf",
                status="ingested",
                pages=0,
                stored_path=None,
            )
            assert source.id is not None
            self.files[key] = (batch.id, source.id, 0)
        batch_id, file_id, page_no = self.files[key]
        self.files[key] = (batch_id, file_id, page_no + 1)
        return batch_id, file_id, page_no + 1

    def page(
        self, form: str, values: dict[str, object], code: str, received: date, *, confirm: bool
    ) -> None:
        batch_id, file_id, page_no = self._file(form, received)
        readings = {
            key: FieldReading(
                values.get(key),
                None if values.get(key) is None else str(values[key]),
                0.99,
                0.99,
                False,
                "demo",
            )
            for key in field_keys(form)
        }
        page = crud.record_page(
            self.session,
            batch_id=batch_id,
            file_id=file_id,
            page_no=page_no,
            status=PageStatus.needs_review,
            form=form,
            rotation=0,
            image_path=None,
            width=None,
            height=None,
            transform=None,
            notes=(),
            error=None,
            boxes={key: (0, 0, 1, 1) for key in readings},
            readings=readings,
            card_code=code,
        )
        self.stored.append(page)
        if confirm:
            self.to_confirm.append(page)

    def finish(self) -> None:
        self.session.flush()
        link_pages(self.session, self.stored)
        for page in self.to_confirm:
            confirm_page(self.session, page=page, user=self.reviewer)
        self.session.commit()


def build_demo(session: Session, *, year: int, members: int, seed: int) -> int:
    """A roster of ``members`` and their year's forms; returns the pages stored."""
    rng = random.Random(seed)
    roster = content.roster(rng, members)
    rows = [
        RosterRow(i + 2, m.code, m.name, m.sector, m.committee, m.phone, m.standing)
        for i, m in enumerate(roster)
    ]
    import_roster_rows(session, year=year, rows=rows)
    demo = DemoYear(session, year, rng)
    for member in roster:
        diligent = rng.random() < 0.7
        if rng.random() < 0.05:
            continue  # form R never came: no contacts, no cards
        contacts = content.contacts_of(rng, member)
        received = date(year, 4, rng.randint(1, 14) if rng.random() > 0.06 else rng.randint(16, 30))
        form_r: dict[str, object] = {
            "member_name": member.name,
            "sector": member.sector,
            "member_phone": member.phone,
            "committee": member.committee,
        }
        for c in contacts:
            form_r |= {f"contacts.{c.no}.{k}": getattr(c, k) for k in ("name", "phone", "address")}
        demo.page(
            "registration",
            form_r,
            f"RT1|{year}|{member.code}",
            received,
            confirm=rng.random() > 0.04,
        )
        for c in contacts:
            if rng.random() < (0.01 if diligent else 0.15):
                continue  # the card never came back
            visits = content.visits_of(rng, year)[:8]
            card: dict[str, object] = {
                "year": year,
                "member_name": member.name,
                "sector": member.sector,
                "member_phone": member.phone,
                "contact_name": c.name,
                "contact_phone": c.phone,
                "committee": member.committee,
            }
            for no, v in enumerate(visits, start=1):
                manner = "visit" if diligent and no <= 3 else v.manner
                card |= {
                    f"rows.{no}.date": v.date.isoformat(),
                    f"rows.{no}.manner": manner,
                    f"rows.{no}.content": v.content,
                    f"rows.{no}.signed": v.signed,
                }
            late = rng.random() < 0.03
            day = date(year, 12, rng.randint(1, 5)) if late else date(year, 11, rng.randint(1, 30))
            demo.page(
                "service_card",
                card,
                f"SC1|{year}|{member.code}|{c.no}",
                day,
                confirm=rng.random() > 0.02,
            )
    demo.finish()
    return len(demo.stored)


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The app on a free loopback port, in a thread."""
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--keep", type=Path, default=None, help="keep the demo data here")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randint(10_000, 2**31)
    work = Path(tempfile.mkdtemp(prefix="cardscan-shots-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=work, database_url=f"sqlite:///{work / 'cardscan.db'}")
    engine = make_engine(settings.database_url)
    init_db(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        pages = build_demo(session, year=args.year, members=args.members, seed=seed)
        accounts.add_user(
            session,
            name="办公室",
            role=Role.office,
            password_hash=hash_password(PASSWORD),
            committee=None,
        )
        session.commit()
    engine.dispose()
    print(
        f"seed {seed}: {args.members} members, {pages} pages stored and confirmed "
        f"in {time.perf_counter() - started:.1f} s"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with served(settings) as url, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/login?next=/reports")
        page.fill("input[name=name]", "办公室")
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(f"{url}/reports")
        for path, shot in (
            (f"/reports?year={args.year}", "reports.png"),
            (f"/reports/completeness?year={args.year}", None),
            (f"/dashboard?year={args.year}", "dashboard.png"),
        ):
            loads = []
            for _ in range(3):
                begin = time.perf_counter()
                page.goto(url + path, wait_until="load")
                loads.append(time.perf_counter() - begin)
            print(f"{path}: loaded in {1000 * min(loads):.0f} ms (best of 3)")
            if shot:
                page.screenshot(path=str(args.out / shot), full_page=shot == "dashboard.png")
                print(f"wrote {args.out / shot}")
        browser.close()
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
