"""A reviewer replayed in a real browser, keyboard only, over a freshly generated batch.

Generates a batch (seed ≥ 10000 unless given), loads its roster and ingests it with the
real commands, serves the app on loopback and drives Debian's Chromium with Playwright,
fixing every wrong field from the generator's truth in one of two flows:

* `--flow document` (default): from the queue, Enter opens the worst card; the replay
  moves to each wrong field with the fewest keys (Enter to the next uncertain field, the
  arrows), types the true value, and Ctrl+Enter confirms it and opens the next card that
  needs a person, until the app leads back to the queue.
* `--flow batch` (`benchmarks/replay_grid.py`): `f` on the queue opens the field grid, and
  Ctrl+Enter (fix the wrong values shown, accept the rest) leads kind by kind back to the
  queue; then the cards that still need a hand, as above.

Either flow ends with the queue confirming the cards left with nothing to check (`c`,
Enter). Once signed in the replay never jumps by address: every screen is reached by the
keys a reviewer would press, and counted (`benchmarks/replay_queue.py`).

A wrong value that was not marked for review is fixed too (the replay knows the truth; a
reviewer would not), and counted. It reports keystrokes per card beyond the characters
typed into wrong fields, seconds of UI time per card (typing excluded), page load times,
and whether the database then equals the truth.

    .venv/bin/python benchmarks/bench_review.py --members 5 [--flow batch] [--seed N] [-v]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from playwright.sync_api import Page, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from benchmarks.bench_fields import import_roster
from benchmarks.bench_pages import run_ingest
from benchmarks.replay_grid import MISSING, confirm_checked_from_queue, replay_grids
from benchmarks.replay_keys import Nav, active_key, move_to, route, type_value
from benchmarks.replay_queue import load_ms, open_from_queue, where
from benchmarks.review_truth import (
    needs_a_hand,
    other_pages,
    pages_in_review,
    truths_by_page,
    wrong_fields,
    wrong_in_grid,
)
from forms.spec import field_kind
from records.db import make_engine
from records.models import Member, PageStatus
from records.models import Page as PageRow
from samples.batch import generate_batch

PASSWORD = "replay reviewer password"
NOT_A_CARD = "不是卡片"
VERBOSE = "-v" in sys.argv


@dataclass
class Tally:
    cards: int = 0
    keystrokes: int = 0  # navigation, commits and confirmations
    typed: int = 0  # characters typed into wrong fields
    wrong_fields: int = 0
    typing: float = 0.0  # seconds spent typing, left out of the UI time
    seconds: float = 0.0  # UI time per card
    loads_ms: list[float] = field(default_factory=list)
    grid_ms: list[float] = field(default_factory=list)  # field grid loads (batch flow)
    other_pages: int = 0  # pages that are no card, rejected


def serve(data_dir: Path) -> tuple[str, uvicorn.Server, threading.Thread]:
    os.environ["CARDSCAN_DATA_DIR"] = str(data_dir)
    from api.app import create_app
    from api.settings import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Settings()), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


def replay_card(
    page: Page, page_id: int, truth: dict[str, Any], engine: Engine, tally: Tally
) -> None:
    """On the card's page (just opened by a key): move to each wrong field with the fewest
    keys, type the true value, and Ctrl+Enter confirms it and opens the next card."""
    with Session(engine) as session:
        wrong = wrong_fields(session, page_id, truth)
    page.wait_for_function("document.getElementById('doc')?.dataset.ready === 'true'")
    tally.loads_ms.append(load_ms(page))
    info = page.evaluate(
        "({keys: [...document.querySelectorAll('.doc-field')].map(e => e.dataset.key),"
        " jumps: [...document.querySelectorAll('.doc-field')].map(e => e.dataset.jump),"
        " order: document.getElementById('doc').dataset.order,"
        " moves: document.getElementById('doc').dataset.moves})"
    )
    jumps = {key: letter for key, letter in zip(info["keys"], info["jumps"], strict=True) if letter}
    nav = Nav(info["keys"], info["order"].split(), json.loads(info["moves"]), jumps)
    moves = []
    here, typed, reread = active_key(page), False, False
    while wrong:
        key = route(nav, here, wrong)[0]
        moved, trace = move_to(page, nav, here, key, typed)
        moves.append(f"{key}{'' if key in nav.order else '(unmarked)'}{trace or '·'}")
        tally.keystrokes += moved
        here, typed = key, False
        if reread:  # the year just left was saved: the page reads its dates again
            wrong = settled(page, engine, page_id, truth)
            reread = False
            if key not in wrong:
                moves.append("(fixed by the year)")
                continue
        t0 = time.perf_counter()
        tally.typed += type_value(page, field_kind(key), wrong.pop(key))
        tally.typing += time.perf_counter() - t0
        tally.wrong_fields += 1
        typed, reread = True, field_kind(key) == "year"
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    tally.keystrokes += 1
    if VERBOSE:
        print(f"  page {page_id}: {len(nav.order)} uncertain; moves {' '.join(moves) or '-'}")


def settled(page: Page, engine: Engine, page_id: int, truth: dict[str, Any]) -> dict[str, Any]:
    """The fields still wrong once the page has saved and shown the last change."""
    page.wait_for_function(
        "!document.querySelector('.doc-field.saving')"
        " && !document.getElementById('doc-save').textContent.includes('保存中')"
    )
    page.wait_for_timeout(300)  # the refresh after a year or a name
    with Session(engine) as session:
        return wrong_fields(session, page_id, truth)


def reject_page(page: Page, page_id: int, tally: Tally) -> None:
    """A page that is no card (blank, a letter): `r`, then Enter on the reason the page
    suggests, or a reason typed (and counted) when it suggests none."""
    page.wait_for_function("document.getElementById('doc')?.dataset.ready === 'true'")
    tally.loads_ms.append(load_ms(page))
    page.keyboard.press("r")
    reason = page.locator("#doc-reason")
    reason.wait_for()
    if not reason.input_value():
        page.keyboard.type(NOT_A_CARD)
        tally.keystrokes += len(NOT_A_CARD)
    why = reason.input_value()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tally.keystrokes += 2
    tally.other_pages += 1
    if VERBOSE:
        print(f"  page {page_id}: no card, rejected ({why})")


def replay_cards(
    page: Page, truths: dict[int, dict[str, Any]], engine: Engine, tally: Tally
) -> str:
    """From the queue: open the first card that needs a hand (Enter, after `j`s to its row),
    fix it and Ctrl+Enter on through the cards the app opens next, until it leads back to the
    queue; again while a card needs a hand; then `c`, Enter confirms the rest."""
    opened = from_queue = 0
    while True:
        place, ident = where(page)
        if place == "page":
            page_id = int(ident or 0)
            if page_id in truths:
                replay_card(page, page_id, truths[page_id], engine, tally)
            else:
                reject_page(page, page_id, tally)
            opened += 1
            continue
        assert place == "queue", page.url
        wanted = {p for p in pages_in_review(engine, truths) if needs_a_hand(engine, p, truths[p])}
        wanted |= other_pages(engine, truths)
        if not wanted:
            break
        keys, _ = open_from_queue(page, wanted)
        tally.keystrokes += keys
        from_queue += 1
    blank = page.locator("#checked-blank")
    tally.other_pages += int(blank.inner_text()) if blank.count() else 0
    keys, confirmed = confirm_checked_from_queue(page)
    tally.keystrokes += keys
    return (
        f"cards opened {opened} ({from_queue} from the queue), "
        f"confirmed (and blank pages rejected) from the queue {confirmed} ({keys} keys)"
    )


def replay_batch(
    page: Page, truths: dict[int, dict[str, Any]], engine: Engine, tally: Tally
) -> None:
    """The batch flow (`benchmarks/replay_grid.py`): the field grids kind by kind from `f`
    on the queue, then the cards that still need a hand, then the queue confirms the rest."""

    def wrong_of(page_id: int, key: str) -> Any:
        if page_id not in truths:
            return MISSING
        with Session(engine) as session:
            return wrong_fields(session, page_id, truths[page_id]).get(key, MISSING)

    grids = replay_grids(page, wrong_of, lambda kind: wrong_in_grid(engine, truths, kind))
    tally.keystrokes += grids.keys
    tally.typed += grids.typed
    tally.wrong_fields += grids.fixed
    tally.typing += grids.typing
    tally.grid_ms += grids.loads_ms
    if VERBOSE:
        for kind, (keys, fixed) in grids.by_kind.items():
            print(f"  grid {kind}: {fixed} fixed, {keys} keys")
        print("  `f` on the queue: 1 key" if grids.keys else "  no grid opened")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("-v", action="store_true", help="print each card's moves")
    parser.add_argument(
        "--flow",
        choices=("document", "batch"),
        default="document",
        help="card by card, or field grids then one confirmation from the queue",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10_000, 2**31)
    root = args.keep or Path(tempfile.mkdtemp(prefix="cardscan-review-"))
    batch_dir, data_dir = root / "batch", root / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    generate_batch(batch_dir, seed=seed, members=args.members)
    year = int(json.loads((batch_dir / "manifest.json").read_text())["year"])
    import_roster(batch_dir, data_dir, year)
    run_ingest(batch_dir / "scans", data_dir, 2)
    env = dict(os.environ, CARDSCAN_DATA_DIR=str(data_dir))
    cardscan = Path(sys.executable).with_name("cardscan")
    subprocess.run(
        [str(cardscan), "user", "add", "replay", "--role", "reviewer", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    truths = truths_by_page(batch_dir, data_dir)
    engine = make_engine(f"sqlite:///{data_dir / 'cardscan.db'}")
    url, server, thread = serve(data_dir)
    tally = Tally()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
        page.on("pageerror", lambda error: print(f"  page error: {error}"))
        page.goto(f"{url}/login")
        page.fill("input[name=name]", "replay")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert where(page)[0] == "queue", page.url  # where signing in leads
        start = time.perf_counter()
        cards = len(pages_in_review(engine, truths))
        if args.flow == "batch":
            replay_batch(page, truths, engine, tally)
        done = replay_cards(page, truths, engine, tally)
        if VERBOSE:
            print(f"  {done}")
        tally.cards = cards
        tally.seconds = (time.perf_counter() - start - tally.typing) / max(cards, 1)
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)

    left, unconfirmed, links = 0, 0, 0
    with Session(engine) as session:
        codes = {m.id: m.code for m in session.exec(select(Member))}
        for page_id, truth in truths.items():
            row = session.get(PageRow, page_id)
            assert row is not None
            unconfirmed += row.status != PageStatus.confirmed
            left += len(wrong_fields(session, page_id, truth))
            links += (
                codes.get(row.member_id or 0),
                row.contact_no if row.form == "service_card" else None,
            ) != (truth.get("member_code"), truth.get("contact_no"))
    n = max(tally.cards, 1)
    print(f"seed {seed}, {args.flow} flow: {tally.cards} cards replayed ({len(truths)} form pages)")
    print(f"pages that are no card, rejected: {tally.other_pages} (their keys are counted)")
    print(f"wrong fields fixed: {tally.wrong_fields} ({tally.typed} characters typed)")
    print(
        f"keystrokes beyond typed characters: {tally.keystrokes} = "
        f"{tally.keystrokes / n:.2f} per card"
    )
    print(f"UI seconds per card (typing excluded): {tally.seconds:.2f}")
    for what, times in (("document page", tally.loads_ms), ("field grid", tally.grid_ms)):
        if times:
            ms = sorted(times)
            if VERBOSE:
                print(f"  {what} loads in order, ms: {' '.join(f'{t:.0f}' for t in times)}")
            print(
                f"{what} load ms ({len(ms)}): median {statistics.median(ms):.0f}, "
                f"p95 {ms[math.ceil(0.95 * len(ms)) - 1]:.0f}, max {ms[-1]:.0f}"
            )
    print(
        f"after review: fields differing from truth {left}, pages not confirmed "
        f"{unconfirmed}, links differing {links}"
    )
    print(f"kept in {root}")
    return 0 if left == 0 and unconfirmed == 0 and links == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
