"""The batch flow of the review replay (`bench_review.py --flow batch`), keyboard only.

A reviewer who clears a batch kind by kind: `f` on the queue opens the field grid of the
first kind in doubt (`/fields?kind=K`, uncertain values first, then the least confident of
the others); they move to each value shown that is wrong, marked uncertain or not (`*` in
the trace), by Enter or an arrow when it is the next one, else by the Alt chord of the
letter in its corner (`@` in the trace), and type the true one; PageDown to the grid's
later cells while they hold a wrong value; then Ctrl+Enter accepts all the uncertain
values shown and leads on: the same kind while some of it are uncertain, then the next
kind, then back to the queue.
Then the cards that still need a hand (a wrong value that was not marked uncertain, which
the replay knows from the truth, or no link) are opened from the queue and fixed on their
document page, and the queue confirms every page left with nothing to check: `c`, Enter.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page

from benchmarks.replay_keys import jump_chord, sign
from benchmarks.replay_queue import load_ms, where

GRID_CHOICES: dict[str, dict[Any, str]] = {
    "manner": {"visit": "1", "phone": "2", "other": "3"},
    "signed": {True: "1", False: "2"},
}
VERBOSE = "-v" in sys.argv
MISSING = object()
"""What `WrongOf` returns for a cell whose stored value is right."""
WrongOf = Callable[[int, str], Any]
"""(page id, field key) → the true value if the stored one is wrong, else `MISSING`."""
IME_STARTS = (
    "document.activeElement.dispatchEvent("
    "new KeyboardEvent('keydown', {key: 'Process', keyCode: 229, bubbles: true}))"
)
"""The keydown a Chinese input method sends with the first key of a word (the characters
themselves are then typed, and counted, as usual)."""


def grid_text(kind: str, value: Any) -> str | None:
    """What a reviewer types into a grid cell for ``value`` (None: clear it)."""
    if value is None:
        return None
    choices = GRID_CHOICES.get(kind)
    return choices[value] if choices is not None else str(value)


def grid_path(start: int, end: int, cols: int, count: int, typed: bool) -> list[str]:
    """The fewest keys from cell ``start`` to cell ``end`` as the grid moves: Enter and →
    one on, ← one back, ↓/↑ a row; after typing, only Enter and ↓/↑ leave the cell."""
    moves = {"Enter": 1, "ArrowDown": cols, "ArrowUp": -cols, "ArrowRight": 1, "ArrowLeft": -1}
    paths: dict[int, list[str]] = {start: []}
    frontier = [start]
    while end not in paths and frontier:
        step = []
        for at in frontier:
            for key, delta in moves.items():
                if typed and at == start and key in ("ArrowRight", "ArrowLeft"):
                    continue  # the caret moves inside the value being typed
                to = max(0, min(count - 1, at + delta))
                if to not in paths:
                    paths[to] = [*paths[at], key]
                    step.append(to)
        frontier = step
    return paths[end]


@dataclass
class GridTally:
    keys: int = 0  # beyond the characters typed
    typed: int = 0
    fixed: int = 0
    typing: float = 0.0  # seconds
    loads_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind → [keys, fixed]


def replay_grids(
    page: Page, wrong_of: WrongOf, wrong_in_grid: Callable[[str], set[tuple[int, str]]]
) -> GridTally:
    """From the queue, `f` opens the grid of the first kind in doubt; in each grid move to
    every wrong value shown, type the true one; PageDown while the grid's later cells hold
    a wrong value (``wrong_in_grid``: of a kind, those its grid shows); then Ctrl+Enter
    accepts the uncertain values shown and leads on (the same kind while some are left,
    then the next kind) until back on the queue."""
    out = GridTally()
    if not page.evaluate("document.querySelector('#queue td.num.uncertain') !== null"):
        return out  # nothing in doubt on the queue: no grid to open
    with page.expect_navigation():
        page.keyboard.press("f")
    out.keys += 1
    seen: dict[str, set[tuple[int, str]]] = {}
    exhausted: set[str] = set()  # kinds paged to their end
    while (place := where(page))[0] == "fields":
        kind = place[1]
        assert kind is not None
        page.wait_for_function("document.activeElement?.classList.contains('cell') ?? true")
        out.loads_ms.append(load_ms(page))
        cells: list[dict[str, Any]] = page.evaluate(
            "[...document.querySelectorAll('#field-grid .cell')].map(c => ({page_id:"
            " Number(c.dataset.pageId), key: c.dataset.key, uncertain:"
            " c.dataset.needsReview === 'true', top: c.offsetTop, jump: c.dataset.jump}))"
        )
        uncertain = {(c["page_id"], c["key"]) for c in cells if c["uncertain"]}
        assert not uncertain <= seen.get(kind, set()) or not uncertain, f"{kind}: shown again"
        keys, fixed = fix_grid(page, kind, cells, wrong_of, out)
        counts = out.by_kind.setdefault(kind, [0, 0])
        counts[0] += keys + 1
        counts[1] += fixed
        later = wrong_in_grid(kind) - {(c["page_id"], c["key"]) for c in cells}
        if later and not page.locator(".pager a[rel=next]").count():
            exhausted.add(kind)  # not to be found by paging: left for the queue
        elif later and kind not in exhausted:
            with page.expect_navigation():  # the value typed last is saved first
                page.keyboard.press("PageDown")
            out.keys += keys + 1
            if VERBOSE:
                print(f"    {kind}: PageDown, {len(later)} wrong further on")
            continue  # the uncertain values here are accepted when the grid comes back
        seen.setdefault(kind, set()).update(uncertain)
        try:
            with page.expect_navigation(timeout=10_000):
                page.keyboard.press("Control+Enter")
        except Exception:
            states = page.evaluate(
                "[...document.querySelectorAll('#field-grid .cell')].map(c => c.dataset.key"
                " + ' ' + c.className + ' ' + c.querySelector('.state').textContent)"
            )
            print("grid did not move on:", *states[:20], sep="\n  ")
            raise
        out.keys += keys + 1
    assert where(page)[0] == "queue", page.url
    return out


def fix_grid(
    page: Page, kind: str, cells: list[dict[str, Any]], wrong_of: WrongOf, out: GridTally
) -> tuple[int, int]:
    """Move to each wrong value shown and type the true one; returns (keys, values fixed)."""
    cols = next((i for i, c in enumerate(cells) if c["top"] != cells[0]["top"]), len(cells))
    here, typed, keys, fixed = 0, False, 0, 0
    trail = []
    for index, cell in enumerate(cells):
        # The odd one out among the values shown, marked uncertain or not.
        truth = wrong_of(cell["page_id"], cell["key"])
        if truth is MISSING:
            continue
        path = grid_path(here, index, cols, len(cells), typed)
        if len(path) > 1:  # farther than the next cell: the chord of its corner letter
            path = [jump_chord(cell["jump"])]
        unmarked = "" if cell["uncertain"] else "*"
        trail.append(f"{index}{unmarked}({''.join(sign(k) for k in path)})")
        for key in path:
            page.keyboard.press(key)
        keys += len(path)
        text = grid_text(kind, truth)
        t0 = time.perf_counter()
        if text is None:
            page.keyboard.press("Backspace")
            out.typed += 1
        else:
            if not text[0].isascii():  # an input method starts composing on the cell
                page.evaluate(IME_STARTS)
            page.keyboard.type(text)
            out.typed += len(text)
        out.typing += time.perf_counter() - t0
        here, typed = index, True
        fixed += 1
    out.fixed += fixed
    if VERBOSE:
        shown = sum(c["uncertain"] for c in cells)
        print(f"    {kind}: {shown} uncertain of {len(cells)} shown, {cols} a row;", end="")
        print(f" wrong at {trail}")
    return keys, fixed


def confirm_checked_from_queue(page: Page) -> tuple[int, int]:
    """On the queue, confirm every checked page and reject the blank ones (`c`, Enter);
    returns (keys, pages done)."""
    assert where(page)[0] == "queue", page.url
    blank = page.locator("#checked-blank")
    ready = int(page.inner_text("#checked-ready")) + (
        int(blank.inner_text()) if blank.count() else 0
    )
    if not ready:
        return 0, 0
    page.keyboard.press("c")
    page.wait_for_selector("#confirm-checked-dialog[open]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return 2, ready
